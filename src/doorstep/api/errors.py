"""The one error envelope for every API error: coded errors, validation errors, 404/405/413, internal errors."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from doorstep.domain.errors import CODES, DoorstepError, Issue

log = logging.getLogger("doorstep.api")

STATUS_BY_CODE = {
    "E1302": 404,
    "E1307": 404,
    "E1451": 404,  # a tracking link that does not open: the same answer whatever was wrong with it
    "E1303": 413,
    "E1304": 405,
    "E4001": 401,
    "E1410": 401,
    "E1411": 401,
    "E1413": 413,
    "E1416": 403,
    "E4004": 401,
    "E4002": 403,
    "E4003": 429,
    "E4005": 500,
    "E4006": 500,
    "E5002": 503,
    "E1650": 401,  # a carrier callback without a valid signature
    "E1652": 404,
    "E3012": 422,  # the trail given cannot be matched: the input's fault, not the server's
    "E3015": 409,  # no address index: the deployment's setup, not a server fault; give coordinates instead
}


def status_for(code: str) -> int:
    """The HTTP status of a code: E1 422 (unless listed), E2 409, E4 401/403/429, E5 500."""
    if code in STATUS_BY_CODE:
        return STATUS_BY_CODE[code]
    return {"1": 422, "2": 409, "4": 403, "5": 500}.get(code[1], 500)


def error_response(exc: DoorstepError, headers: dict[str, str] | None = None) -> JSONResponse:
    """The envelope with the status of its code (several issues: the shared status, else 422)."""
    statuses = {status_for(i.code) for i in exc.issues}
    status = statuses.pop() if len(statuses) == 1 else 422
    return JSONResponse(exc.envelope(), status_code=status, headers=headers)


def _loc(raw: tuple[Any, ...] | list[Any]) -> tuple[str | int, ...]:
    return tuple(x if isinstance(x, int) else str(x) for x in raw)


# Body fields whose problems have a code of their own rather than the generic E1301 (the loc prefix names them).
CODE_BY_FIELD: dict[tuple[str, ...], tuple[str, str]] = {
    ("body", "options"): ("E1119", "Correct the solver option named in loc (allowed values: PlanIn at /docs)."),
}


def _field_code(loc: tuple[str | int, ...]) -> tuple[str, str | None]:
    for prefix, (code, action) in CODE_BY_FIELD.items():
        if loc[: len(prefix)] == prefix:
            return code, action
    return "E1301", None


def validation_issues(errors: list[Any]) -> list[Issue]:
    """FastAPI/Pydantic validation errors as coded issues (E1005 for malformed JSON, E1301 per bad field, or the
    field's own code from ``CODE_BY_FIELD``: a plan's solver options are E1119 as in the CLI)."""
    issues = []
    for err in errors:
        loc = _loc(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            issues.append(Issue("E1005", f"request body is not valid JSON: {err.get('msg', '')}", loc))
            continue
        where = ".".join(str(x) for x in loc[1:]) or str(loc[0] if loc else "body")
        code, action = _field_code(loc)
        issues.append(Issue(code, f"{where}: {err.get('msg', 'invalid value')}", loc, action=action))
    return issues or [Issue("E1301", "the request is invalid", ())]


async def _doorstep_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DoorstepError)
    retry = exc.code in ("E4003", "E2009")  # too many requests; an idempotent twin still running
    headers = {"Retry-After": str(exc.retry_after_s or 1)} if retry else None
    return error_response(exc, headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(DoorstepError(validation_issues(list(exc.errors()))))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        issue = Issue("E1307", f"no endpoint at {request.url.path}", ("path",))
    elif exc.status_code == 405:
        issue = Issue("E1304", f"{request.method} is not allowed on {request.url.path}", ("method",))
    elif exc.status_code == 413 or getattr(request.state, "body_too_large", False):
        issue = Issue("E1303", "the request body is too large", ("body",))
    elif exc.status_code < 500:
        issue = Issue("E1301", f"the request could not be read: {exc.detail}", ("body",))
    else:
        issue = Issue("E5001", f"HTTP {exc.status_code}", ())
    return error_response(DoorstepError([issue]), dict(exc.headers) if exc.headers else None)


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the checks above it let through (a NUL byte in an uploaded cell, a text
    # longer than its column): bad input, not an internal error.
    log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc)
    issue = Issue("E1301", "a value cannot be stored (NUL characters, or longer than allowed)", ("body",))
    return error_response(DoorstepError([issue]))


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A constraint refused a write made outside a unit of work (which maps its own): a concurrent request got
    # there first. A state conflict, not an internal error.
    log.warning("constraint refused a write on %s %s: %s", request.method, request.url.path, exc)
    msg = "a concurrent request stored the same value or changed what this one refers to"
    return error_response(DoorstepError([Issue("E2010", msg, ())]))


# SQLite's "database is locked" after the busy timeout; PostgreSQL's lock_not_available, serialization_failure
# and deadlock_detected: the database could not take the write now, a retry will do.
_BUSY_SQLSTATES = {"55P03", "40001", "40P01"}


def _is_busy(exc: Exception) -> bool:
    if isinstance(exc, PoolTimeoutError):
        return True
    orig = getattr(exc, "orig", None)
    return "database is locked" in str(orig) or getattr(orig, "sqlstate", None) in _BUSY_SQLSTATES


async def _operational_error(request: Request, exc: Exception) -> JSONResponse:
    if not _is_busy(exc):
        return await _internal_error(request, exc)
    log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
    issue = Issue("E5002", "the database is busy with other writes; nothing was stored, retry", ())
    return error_response(DoorstepError([issue]), {"Retry-After": "1"})


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    body = {"error": {"code": "E5001", "message": CODES["E5001"][0], "action": CODES["E5001"][1], "details": []}}
    return JSONResponse(body, status_code=500)


class InternalErrors:
    """Answers an unexpected exception with the E5001 envelope *here*, below Starlette's outermost error
    middleware, which would send the same 500 but then re-raise: uvicorn then closes the connection, and the
    client's next request on that keep-alive connection is reset (issue 12). Exceptions after the response has
    started still propagate (the connection cannot be saved then)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through; turn an exception before the response started into the envelope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            response = await _internal_error(Request(scope), exc)
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of failure to the envelope; no traceback reaches a client."""
    app.add_exception_handler(DoorstepError, _doorstep_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(PoolTimeoutError, _operational_error)
    app.add_exception_handler(OverflowError, _data_error)  # SQLite's driver refuses integers beyond 64 bits
    app.add_exception_handler(Exception, _internal_error)  # a failure in a middleware outside InternalErrors
    app.add_middleware(InternalErrors)  # the first added: innermost, so the other middleware see its 500
