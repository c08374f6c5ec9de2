"""Email over SMTP (stdlib ``smtplib``): ``smtp://user:pass@host:587`` (STARTTLS on port 587 or with
``?starttls=1``), ``smtps://host:465`` for TLS from the first byte; multipart text + HTML, a logo given as a
data: URI attached to the HTML as an inline image.

Once the message has been sent, the server's answer is waited for longer than any other (``DATA_TIMEOUT_S``):
a server may scan the message before it answers (RFC 5321, 4.5.3.2.6, allows it ten minutes), and a client
that gives up then has a message the server may well have accepted. Counted as failed, it would be sent again
(the same Message-ID, but two emails in the customer's inbox)."""

from __future__ import annotations

import base64
import binascii
import re
import smtplib
import ssl
import threading
from collections.abc import Buffer
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from doorstep.notify.channels import Email, SendResult
from doorstep.notify.dsn import verp_sender

TRUE = ("1", "true", "yes", "on")
# RCPT answers that say the address itself is no good: no such mailbox (550), not local (551), bad mailbox name (553)
BOUNCE_CODES = frozenset({550, 551, 553})
# The wait for the answer to DATA and to the message: well beyond the other commands' timeout, well within the
# outbox's lease (``notify_send.LEASE_S``, 120 s, renewed right before each send), so that no other sender takes
# the message over while this one still waits for the server's word on it.
DATA_TIMEOUT_S = 60.0
DATA_IMAGE = re.compile(r'src="(data:image/(png|svg\+xml);base64,([A-Za-z0-9+/=\s]+))"')


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to submit mail (parsed from ``DOORSTEP_SMTP_URL``)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    implicit_tls: bool = False
    timeout_s: float = 10.0
    data_timeout_s: float = DATA_TIMEOUT_S  # the answers to DATA and to the message (at least ``timeout_s``)

    @classmethod
    def from_url(cls, url: str, timeout_s: float = 10.0) -> SmtpConfig:
        """Parse ``smtp[s]://[user:pass@]host[:port][?starttls=1]`` (ValueError for anything else)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"not an SMTP URL: {parts.scheme}://{parts.hostname or ''} (use smtp://host:port)")
        implicit = parts.scheme == "smtps"
        port = parts.port or (465 if implicit else 25)
        flag = parse_qs(parts.query).get("starttls", [""])[0].lower()
        starttls = not implicit and (flag in TRUE or (port == 587 and flag not in ("0", "false", "no", "off")))
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        return cls(parts.hostname, port, user, password, starttls, implicit, timeout_s)


def build_message(email: Email, sender: str) -> EmailMessage:
    """The MIME message: text first, HTML as the richer alternative; a Message-ID made of our message id."""
    msg = EmailMessage()
    name, addr = parseaddr(sender)
    name = email.sender_name or name  # the organization's sender name, at the deployment's address
    msg["From"] = formataddr((name, addr)) if name else addr
    msg["To"] = email.to
    msg["Subject"] = email.subject
    msg["Message-ID"] = message_id(email.message_id, addr)
    if email.unsubscribe_url:  # mail clients offer "unsubscribe" and POST to it in one click (RFC 8058)
        msg["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(email.text)
    html, images = inline_images(email.html, email.message_id, addr)
    msg.add_alternative(html, subtype="html")
    if images:  # the HTML and its images travel together: multipart/related inside the alternative
        *_, html_part = msg.iter_parts()
        assert isinstance(html_part, EmailMessage)
        for cid, (subtype, data) in images.items():
            html_part.add_related(data, maintype="image", subtype=subtype, cid=f"<{cid}>", disposition="inline")
    msg["Content-Language"] = email.language  # after the content: setting content clears Content-* headers
    return msg


def inline_images(html: str, doorstep_id: str, sender_addr: str) -> tuple[str, dict[str, tuple[str, bytes]]]:
    """The HTML with each ``src="data:image/png|svg+xml;base64,…"`` (a logo given as data) pointing at an
    attached part instead (``cid:``): Gmail, Outlook and others show no data: image. Returns the HTML and, per
    content id, the image's subtype and bytes; a data URI that does not decode is left as it is."""
    domain = Address(addr_spec=sender_addr).domain if "@" in sender_addr else "doorstep.invalid"
    images: dict[str, tuple[str, bytes]] = {}
    by_uri: dict[str, str] = {}

    def attach(m: re.Match[str]) -> str:
        uri, subtype, payload = m.group(1), m.group(2), m.group(3)
        if uri not in by_uri:
            try:
                data = base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError):
                return m.group(0)
            by_uri[uri] = f"image{len(by_uri) + 1}.{doorstep_id}@{domain}"
            images[by_uri[uri]] = (subtype, data)
        return f'src="cid:{by_uri[uri]}"'

    return DATA_IMAGE.sub(attach, html), images


def message_id(doorstep_id: str, sender_addr: str) -> str:
    """``<msg_…@sender-domain>``: the same for every attempt of one message, so a receiver can spot a repeat."""
    domain = Address(addr_spec=sender_addr).domain if "@" in sender_addr else "doorstep.invalid"
    return f"<{doorstep_id}@{domain}>"


def _classify(exc: Exception) -> SendResult:
    """A refusal of the recipient at RCPT with 550/551/553 is a bounce (the address is no good); other 5xx
    answers are permanent (the server refused this message); anything else may pass later."""
    code: int | None = None
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        if codes and all(c in BOUNCE_CODES for c in codes):
            return SendResult.bounced(f"{type(exc).__name__}: {exc}")
        code = max(codes) if codes else None
    elif isinstance(exc, smtplib.SMTPResponseException) and not isinstance(exc, smtplib.SMTPAuthenticationError):
        code = exc.smtp_code
    text = f"{type(exc).__name__}: {exc}"
    if code is not None and 500 <= code < 600:
        return SendResult.permanent(text)
    return SendResult.retry(text)


class _PatientData(smtplib.SMTP):
    """``smtplib.SMTP`` that waits ``data_timeout_s`` for the answers to DATA and to the message (the one
    timeout of ``smtplib`` is the socket's, set for the connection and every other command)."""

    data_timeout_s = DATA_TIMEOUT_S

    def data(self, msg: Buffer | str) -> tuple[int, bytes]:
        sock = self.sock
        if sock is None:
            return super().data(msg)
        before = sock.gettimeout()
        sock.settimeout(max(self.data_timeout_s, before or 0.0))
        try:
            return super().data(msg)
        finally:
            if self.sock is sock:  # still open (a failure closes it)
                sock.settimeout(before)


class _PatientDataSsl(_PatientData, smtplib.SMTP_SSL):
    """The same over TLS from the first byte."""


class SmtpEmail:
    """An :class:`~doorstep.notify.channels.EmailChannel` that keeps one SMTP connection open between emails
    (checked with NOOP before each one, opened again when the server closed it): connecting, STARTTLS and
    logging in cost more than the email. Thread-safe: one email at a time per channel."""

    def __init__(self, config: SmtpConfig, sender: str, bounce_address: str | None = None) -> None:
        self.config = config
        self.sender = sender
        self.bounce_address = bounce_address  # set: each email's envelope sender is its VERP form (notify.dsn)
        self._smtp: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, sender: str, timeout_s: float = 10.0, bounce_address: str | None = None) -> SmtpEmail:
        """A channel for ``DOORSTEP_SMTP_URL`` sending as ``sender`` (``Name <addr>``); with ``bounce_address``
        (``DOORSTEP_BOUNCE_ADDRESS``) late bounces go to ``bounce+<message id>@…`` (``doorstep bounces``)."""
        return cls(SmtpConfig.from_url(url, timeout_s), sender, bounce_address)

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        smtp: _PatientData
        if c.implicit_tls:
            smtp = _PatientDataSsl(c.host, c.port, timeout=c.timeout_s, context=ssl.create_default_context())
        else:
            smtp = _PatientData(c.host, c.port, timeout=c.timeout_s)
            if c.starttls:
                smtp.starttls(context=ssl.create_default_context())
        smtp.data_timeout_s = c.data_timeout_s
        return smtp

    def _ready(self) -> smtplib.SMTP:
        """The open connection if the server still answers NOOP, else a new one (logged in)."""
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()
        smtp = self._connect()
        try:
            if self.config.username:
                smtp.login(self.config.username, self.config.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def send_email(self, email: Email) -> SendResult:
        """Submit one email; the provider id is its Message-ID. Any failure drops the connection (the next email
        starts on a fresh one); the email itself is never submitted twice here: the result says what to do."""
        msg = build_message(email, self.sender)
        envelope = verp_sender(self.bounce_address, email.message_id) if self.bounce_address else None
        with self._lock:
            try:
                self._ready().send_message(msg, from_addr=envelope)
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                return _classify(exc)
        return SendResult.sent(str(msg["Message-ID"]))

    def close(self) -> None:
        """Say QUIT and close the connection (a later email opens a new one)."""
        with self._lock:
            self._drop()
