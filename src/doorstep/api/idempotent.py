"""Idempotent creates in handlers: the raw body fingerprint and the stored-response replay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from doorstep.services.kernel.access import Actor
from doorstep.services.kernel.idempotency import fingerprint, run_once
from doorstep.services.kernel.platform import Platform


async def request_print(request: Request) -> str:
    """A fingerprint of method, path and raw body (read once; FastAPI caches it for the body parser)."""
    return fingerprint(request.method, request.url.path, await request.body())


PrintDep = Annotated[str, Depends(request_print)]
IdemKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Repeat a create safely: the same key and body replay the first response.",
        max_length=200,
    ),
]


def respond_once(
    p: Platform, actor: Actor, key: str | None, print_: str, create: Callable[[], tuple[int, dict[str, Any]]]
) -> JSONResponse:
    """Run a create once per Idempotency-Key and answer with its (possibly replayed) response."""
    status, body = run_once(p, actor, key, print_, create)
    return JSONResponse(body, status_code=status)
