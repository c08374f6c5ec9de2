"""Proof of delivery as the phone sends it: photo and signature checked by their bytes, not their names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from doorstep.domain.errors import Issue
from doorstep.domain.items import ScanCheck, check_scans

MAX_SIGNATURE_BYTES = 500_000
MAX_BARCODES = 300  # up to 200 item barcodes per order, and room for codes of no item
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
    safe_place: str = ""  # where it was left (a porch, a neighbour): the customer's tracking page shows it

    @property
    def empty(self) -> bool:
        """Whether nothing was captured."""
        return not (self.photo or self.signature or self.barcodes or self.recipient or self.safe_place)


def image_type(data: bytes) -> str | None:
    """The media type of JPEG, PNG or WebP bytes, else None."""
    for magic, kind in IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def scan_warnings(
    order_data: dict[str, Any] | None, proof: ProofIn | None, stop_id: str
) -> tuple[ScanCheck | None, list[Issue]]:
    """A completion's scanned barcodes against its order's item barcodes (None when the order has none): a
    scanned code of no item is W1411, expected codes not scanned W1412. Warnings only: a driver may have no
    scanner, so the delivery always stands; the dispatcher sees the check."""
    items = (order_data or {}).get("items") or []
    expected = [str(i["barcode"]) for i in items if isinstance(i, dict) and i.get("barcode")]
    if not expected:
        return None, []
    check = check_scans(expected, proof.barcodes if proof is not None else ())
    issues = []
    if check.unknown:
        codes = ", ".join(check.unknown)
        issues.append(Issue("W1411", f"scanned {codes}: on no item of this order", ("proof", "barcodes"), stop_id))
    if check.missing:
        n, codes = len(check.missing), ", ".join(check.missing)
        msg = f"{n} of {len(expected)} item barcodes not scanned: {codes}"
        issues.append(Issue("W1412", msg, ("proof", "barcodes"), stop_id))
    return check, issues


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
