"""Real local servers for the channel tests: an SMTP server (aiosmtpd) and an HTTP server speaking Twilio's
Messages API, both on 127.0.0.1, with switches to take them down or make them refuse."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import json
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

# aiosmtpd logs each connection from its own thread, also after pytest has closed the stream it captures logs
# into ("--- Logging error --- I/O operation on closed file" in the test output): its log is not asserted on.
logging.getLogger("mail.log").addHandler(logging.NullHandler())
logging.getLogger("mail.log").propagate = False


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Inbox:
    """What the SMTP server accepted, parsed; ``refuse`` makes it answer DATA with that reply instead, and
    ``refuse_rcpt`` answers RCPT TO of an address it names with its reply (a mailbox that does not exist);
    ``answer_after_s`` keeps a message it has stored that long before saying so (a server scanning it)."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: str | None = None
    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    refused_rcpt: list[str] = field(default_factory=list)  # the addresses refused at RCPT, in order
    logins: list[str] = field(default_factory=list)
    peers: list[object] = field(default_factory=list)  # the client's address per message (same: same connection)
    answer_after_s: float = 0.0

    async def handle_RCPT(  # noqa: N802
        self, server: object, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept the recipient unless ``refuse_rcpt`` names it."""
        reply = self.refuse_rcpt.get(address.lower())
        if reply is not None:
            self.refused_rcpt.append(address)
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: Session, envelope: Envelope) -> str:  # noqa: N802
        """Store the message (or refuse it)."""
        if self.refuse is not None:
            return self.refuse
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append((str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos]))
        self.peers.append(session.peer)
        if self.answer_after_s:
            await asyncio.sleep(self.answer_after_s)
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 at a fixed port, so it can be stopped and started again at the same address."""

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.credentials = credentials
        self._controller: Controller | None = None

    def _auth(self, server: object, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.credentials == (data.login.decode(), data.password.decode())
        if ok:
            self.inbox.logins.append(data.login.decode())
        return AuthResult(success=ok)

    def start(self) -> None:
        """Listen (again)."""
        kw: dict[str, Any] = {}
        if self.credentials is not None:
            kw = {"authenticator": self._auth, "auth_require_tls": False, "auth_required": True}
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **kw)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening (connections are refused until started again)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        """The DOORSTEP_SMTP_URL of this server."""
        if self.credentials is not None:
            return f"smtp://{self.credentials[0]}:{self.credentials[1]}@127.0.0.1:{self.port}"
        return f"smtp://127.0.0.1:{self.port}"


@dataclass
class SmsLog:
    """Requests the SMS provider received (``times[k]``: the monotonic arrival time of ``requests[k]``); ``mode``
    is ok, down (503) or reject (400, invalid number); until the monotonic time ``limited_until`` every request is
    answered 429 (Twilio's code 20429) with ``Retry-After: retry_after``; ``limit_next_s`` > 0 starts such a
    stretch of that many seconds at the next request (so a loaded machine cannot start sending after it ended)."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "ok"
    lock: threading.Lock = field(default_factory=threading.Lock)
    limited_until: float = 0.0
    times: list[float] = field(default_factory=list)
    retry_after: int = 1
    limit_next_s: float = 0.0

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """The messages the provider created."""
        return [r for r in self.requests if r["status"] == 201]


def _handler(log: SmsLog, sid: str, token: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            """Twilio's POST /2010-04-01/Accounts/{sid}/Messages.json."""
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            expected = "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()
            extra: dict[str, str] = {}
            with log.lock:
                n = len(log.accepted)
                at = time.monotonic()
                if log.limit_next_s > 0:
                    log.limited_until, log.limit_next_s = at + log.limit_next_s, 0.0
                if self.path != f"/2010-04-01/Accounts/{sid}/Messages.json":
                    status, answer = 404, {"code": 20404, "message": "not found"}
                elif self.headers.get("Authorization") != expected:
                    status, answer = 401, {"code": 20003, "message": "Authenticate"}
                elif at < log.limited_until:
                    status, answer = 429, {"code": 20429, "message": "Too Many Requests"}
                    extra["Retry-After"] = str(log.retry_after)
                elif log.mode == "down":
                    status, answer = 503, {"message": "Service Unavailable"}
                elif log.mode == "reject":
                    status, answer = 400, {"code": 21211, "message": f"The 'To' number {form.get('To')} is not valid"}
                else:
                    status, answer = 201, {"sid": f"SM{n:032d}", "status": "queued", **form}
                log.requests.append({"path": self.path, "form": form, "status": status})
                log.times.append(at)
            data = json.dumps(answer).encode()
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


class SmsServer:
    """A Twilio-compatible Messages API on 127.0.0.1 (a thread of the test process)."""

    def __init__(self, sid: str = "AC0123456789abcdef", token: str = "secret-token") -> None:
        self.sid, self.token = sid, token
        self.log = SmsLog()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.log, sid, token))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        """Serve."""
        self._thread.start()

    def stop(self) -> None:
        """Shut down."""
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        """The DOORSTEP_SMS_URL of this server."""
        return f"http://{self.sid}:{self.token}@127.0.0.1:{self._server.server_address[1]}"
