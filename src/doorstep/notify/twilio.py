"""SMS through a Twilio-compatible HTTP API: ``POST {base}/2010-04-01/Accounts/{sid}/Messages.json`` with the
form fields To, From, Body and (when the public URL is reachable) StatusCallback, HTTP basic auth ``sid:token``;
``DOORSTEP_SMS_URL`` is ``https://sid:token@host``."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote, urlsplit

import httpx

from doorstep.notify.channels import SendResult, Sms

RETRY_STATUS = frozenset({408, 409, 425, 429})  # rate limits and timeouts: the same request may pass later
MAX_RETRY_AFTER_S = 86_400


@dataclass(frozen=True, slots=True)
class SmsConfig:
    """The provider's base URL and the account's credentials (parsed from ``DOORSTEP_SMS_URL``)."""

    base_url: str
    account_sid: str
    auth_token: str
    timeout_s: float = 10.0

    @classmethod
    def from_url(cls, url: str, timeout_s: float = 10.0) -> SmsConfig:
        """Parse ``http[s]://sid:token@host[:port][/prefix]`` (ValueError without credentials)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an SMS provider URL: use https://account_sid:auth_token@api.example.com")
        if not parts.username or not parts.password:
            raise ValueError("the SMS provider URL needs credentials: https://account_sid:auth_token@host")
        netloc = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        base = f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"
        return cls(base, unquote(parts.username), unquote(parts.password), timeout_s)


class TwilioSms:
    """An :class:`~doorstep.notify.channels.SmsChannel` for Twilio's Messages API (and compatible providers)."""

    def __init__(
        self, config: SmsConfig, sender: str, transport: httpx.BaseTransport | None = None, status_callback: str = ""
    ) -> None:
        self.config = config
        self.sender = sender
        self.status_callback = status_callback  # sent with each message: where the provider reports delivery
        self._client = httpx.Client(
            timeout=config.timeout_s, auth=(config.account_sid, config.auth_token), transport=transport
        )

    @classmethod
    def from_url(cls, url: str, sender: str, timeout_s: float = 10.0, status_callback: str = "") -> TwilioSms:
        """A channel for ``DOORSTEP_SMS_URL`` sending from ``sender`` (a number or an alphanumeric id), asking the
        provider to report each message's delivery to ``status_callback`` (none when empty)."""
        return cls(SmsConfig.from_url(url, timeout_s), sender, status_callback=status_callback)

    @property
    def endpoint(self) -> str:
        """Where messages are created."""
        return f"{self.config.base_url}/2010-04-01/Accounts/{self.config.account_sid}/Messages.json"

    def send_sms(self, sms: Sms) -> SendResult:
        """Create one message; the provider id is its ``sid``."""
        form = {"To": sms.to, "From": self.sender, "Body": sms.body}
        if self.status_callback:  # a plain sender number has no callback of its own (a messaging service has)
            form["StatusCallback"] = self.status_callback
        try:
            resp = self._client.post(self.endpoint, data=form)
        except httpx.HTTPError as exc:
            return SendResult.retry(f"{type(exc).__name__}: {exc}")
        if 200 <= resp.status_code < 300:
            try:
                sid = resp.json().get("sid")
            except ValueError:
                sid = None
            # accepted all the same: sending it again would reach the customer twice
            return SendResult.sent(sid if isinstance(sid, str) and sid else f"HTTP {resp.status_code} (no sid)")
        detail = f"HTTP {resp.status_code}: {resp.text[:500]}"
        if resp.status_code in RETRY_STATUS or resp.status_code >= 500:
            return SendResult.retry(detail, retry_after(resp.headers.get("retry-after", "")))
        return SendResult.permanent(detail)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()


def status_callback_url(public_url: str) -> str:
    """Where the provider reports each SMS's delivery: ``{public_url}/v1/sms/status``; empty when the public URL is
    this machine's (loopback or localhost: the provider could not reach it, and would log an error per message)."""
    host = (urlsplit(public_url).hostname or "").lower()
    local = host in ("", "localhost") or host.endswith(".localhost")
    with contextlib.suppress(ValueError):  # a name, not an address
        local = local or ipaddress.ip_address(host).is_loopback
    return "" if local else f"{public_url.rstrip('/')}/v1/sms/status"


def retry_after(value: str, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait: delay-seconds or an HTTP date (None: absent or unreadable;
    capped at one day, so a wrong header cannot park a channel for ever)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(min(int(value), MAX_RETRY_AFTER_S))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    wait = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, min(wait, MAX_RETRY_AFTER_S))


def signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's request signature (``X-Twilio-Signature``): base64 of HMAC-SHA1 keyed by the auth token over the
    full URL followed by each form field's name and value, names sorted."""
    payload = url + "".join(k + params[k] for k in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signed(auth_token: str, url: str, params: dict[str, str], given: str) -> bool:
    """Whether a webhook request carries the signature of the account's auth token (constant-time comparison)."""
    return bool(given) and hmac.compare_digest(signature(auth_token, url, params), given)
