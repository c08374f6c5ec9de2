"""Proof of delivery as the phone sends it: photo and signature checked by their bytes, not their names."""

from __future__ import annotations

from dataclasses import dataclass, field

from doorstep.domain.errors import Issue

MAX_SIGNATURE_BYTES = 500_000
MAX_BARCODES = 100
IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


@dataclass(frozen=True, slots=True)
class ProofIn:
    """What the driver captured at a completed stop (each part optional)."""

    photo: bytes | None = None
    signature: bytes | None = None
    barcodes: tuple[str, ...] = field(default=())
    recipient: str = ""

    @property
    def empty(self) -> bool:
        """Whether nothing was captured."""
        return not (self.photo or self.signature or self.barcodes or self.recipient)


def image_type(data: bytes) -> str | None:
    """The media type of JPEG, PNG or WebP bytes, else None."""
    for magic, kind in IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def proof_issues(proof: ProofIn, max_photo_bytes: int) -> list[Issue]:
    """Every problem with a proof at once: photo too large (E1413) or not an image (E1414), bad signature (E1415)."""
    issues: list[Issue] = []
    if proof.photo is not None:
        if len(proof.photo) > max_photo_bytes:
            size = f"{len(proof.photo):,} bytes; the limit is {max_photo_bytes:,}"
            issues.append(Issue("E1413", f"photo is {size}", ("proof", "photo")))
        elif image_type(proof.photo) is None:
            issues.append(Issue("E1414", "photo is not a JPEG, PNG or WebP image", ("proof", "photo")))
    if proof.signature is not None and (
        len(proof.signature) > MAX_SIGNATURE_BYTES or image_type(proof.signature) != "image/png"
    ):
        issues.append(Issue("E1415", "signature must be a PNG of at most 500 kB", ("proof", "signature")))
    return issues
