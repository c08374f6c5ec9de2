"""What a large day's parts travel in between the planning process and the Celery workers that help it: the Redis
keys of one run, and sealed messages.

Every message is a pickle (a part's ``Problem``, its ``PartTravel``, the options, the solver; a ``Plan`` back), so
it is sealed: compressed (zlib, fast level) and signed with HMAC-SHA256 under a key derived from the deployment's
``DOORSTEP_SECRET_KEY``, the Redis key it is stored under bound into the signature. A message is unpickled only
after its signature checks out (``Sealer.open``), so whoever can write to Redis cannot make a worker run code, nor
pass one part's payload off as another's. Every key has a time to live: a run that dies leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
import zlib
from dataclasses import dataclass
from typing import Any

import redis

MAGIC = b"DSP1"
TAG = 32  # bytes of the HMAC-SHA256
PREFIX = "doorstep:parts"


class TamperedError(ValueError):
    """A sealed message whose signature does not match (altered, sealed under another key or secret, truncated)."""


class Sealer:
    """Seals and opens messages under a key derived from the deployment's secret (every process shares it)."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("a secret is required to seal the parts of a large day")
        self._key = hashlib.sha256(b"doorstep large-day parts\0" + secret.encode()).digest()

    def _tag(self, where: str, body: bytes) -> bytes:
        return hmac.new(self._key, where.encode() + b"\0" + body, hashlib.sha256).digest()

    def seal(self, obj: object, where: str) -> bytes:
        """``obj`` pickled, compressed and signed for the Redis key ``where``."""
        body = zlib.compress(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), 1)
        return MAGIC + self._tag(where, body) + body

    def open(self, data: bytes, where: str) -> Any:
        """The object sealed for ``where``; TamperedError (nothing unpickled) when the signature does not match."""
        head, tag, body = data[: len(MAGIC)], data[len(MAGIC) : len(MAGIC) + TAG], data[len(MAGIC) + TAG :]
        if head != MAGIC or not hmac.compare_digest(tag, self._tag(where, body)):
            raise TamperedError(f"a sealed message under {where} was refused: its signature does not match")
        return pickle.loads(zlib.decompress(body))  # signed by a process holding the secret: safe to load


@dataclass(frozen=True, slots=True)
class RunKeys:
    """The Redis keys of one run of parts (``run_id``): the planning process's ``alive`` mark, the ``ready`` list
    where helpers announce themselves, each helper's ``inbox`` and heartbeat, each part's ``payload``, and the
    ``replies`` (progress, plans, errors) the helpers send back."""

    run_id: str

    @property
    def base(self) -> str:
        return f"{PREFIX}:{self.run_id}"

    @property
    def alive(self) -> str:
        return f"{self.base}:alive"

    @property
    def ready(self) -> str:
        return f"{self.base}:ready"

    @property
    def replies(self) -> str:
        return f"{self.base}:replies"

    def inbox(self, helper: str) -> str:
        return f"{self.base}:inbox:{helper}"

    def heartbeat(self, helper: str) -> str:
        return f"{self.base}:helper:{helper}"

    def payload(self, index: int) -> str:
        return f"{self.base}:part:{index}"


@dataclass(frozen=True, slots=True)
class Assignment:
    """A part handed to a helper: its number, which attempt, the seconds it may take from when the helper reads
    this, and how long the keys the helper writes must live."""

    index: int
    attempt: int
    budget_s: float
    ttl_s: int


@dataclass(frozen=True, slots=True)
class Reply:
    """What a helper sends back about a part's attempt: ``progress`` (a ``Progress``), ``done`` (a ``Plan``) or
    ``error`` (a text); ``where`` names the helper's process (``host:pid``)."""

    index: int
    attempt: int
    kind: str
    body: Any
    where: str


STOP = "stop"  # in a helper's inbox: the run is over


def push(client: redis.Redis, key: str, value: bytes | str, ttl_s: int) -> None:
    """Append to the list ``key`` and (re)set its time to live, in one round trip."""
    pipe = client.pipeline(transaction=False)
    pipe.rpush(key, value)
    pipe.expire(key, ttl_s)
    pipe.execute()


def first(client: redis.Redis, keys: list[str], timeout_s: float) -> tuple[str, bytes] | None:
    """The head of the first of the lists ``keys`` that has one, waiting at most ``timeout_s`` (BLPOP)."""
    got: Any = client.blpop(keys, timeout=timeout_s)
    return None if got is None else (got[0].decode(), got[1])


def drain(client: redis.Redis, key: str, most: int = 1000) -> list[bytes]:
    """Up to ``most`` heads of the list ``key``, taken off it at once."""
    got: Any = client.lpop(key, most)
    return list(got or [])
