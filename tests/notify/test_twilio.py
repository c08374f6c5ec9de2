"""The SMS channel against a local HTTP server speaking Twilio's Messages API."""

from __future__ import annotations

import pytest

from doorstep.notify.channels import Outcome, Sms
from doorstep.notify.twilio import SmsConfig, TwilioSms, status_callback_url
from tests.notify.servers import SmsServer


def test_a_text_is_posted_form_encoded_with_basic_auth_and_returns_the_sid(sms: SmsServer) -> None:
    """One send is one POST to /2010-04-01/Accounts/{sid}/Messages.json with To, From and Body; the sid comes back."""
    channel = TwilioSms.from_url(sms.url, "+351910000000")
    result = channel.send_sms(Sms("msg_1", "+351912345678", "Your parcel arrives 11:00-12:00"))
    assert result.outcome is Outcome.SENT and result.provider_id == "SM" + "0" * 32
    assert sms.log.requests == [
        {
            "path": "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json",
            "form": {"To": "+351912345678", "From": "+351910000000", "Body": "Your parcel arrives 11:00-12:00"},
            "status": 201,
        }
    ]


@pytest.mark.parametrize(("mode", "outcome"), [("down", Outcome.RETRY), ("reject", Outcome.PERMANENT)])
def test_a_provider_down_is_a_retry_and_a_refused_number_is_permanent(
    sms: SmsServer, mode: str, outcome: Outcome
) -> None:
    """503 may pass later; 400 (invalid number) never will."""
    sms.log.mode = mode
    result = TwilioSms.from_url(sms.url, "+351910000000").send_sms(Sms("msg_1", "+351912345678", "Hi"))
    assert result.outcome is outcome and result.provider_id is None
    assert (result.error or "").startswith("HTTP 503" if mode == "down" else "HTTP 400")


def test_wrong_credentials_are_refused(sms: SmsServer) -> None:
    """A wrong token gets the provider's 401 (permanent for this message)."""
    url = sms.url.replace("secret-token", "wrong")
    result = TwilioSms.from_url(url, "+351910000000").send_sms(Sms("msg_1", "+351912345678", "Hi"))
    assert result.outcome is Outcome.PERMANENT and (result.error or "").startswith("HTTP 401")


def test_an_unreachable_provider_is_a_retry() -> None:
    """No server listening: a connection error, retried later."""
    from tests.notify.servers import free_port

    channel = TwilioSms.from_url(f"http://sid:tok@127.0.0.1:{free_port()}", "+1555")
    assert channel.send_sms(Sms("msg_1", "+351912345678", "Hi")).outcome is Outcome.RETRY


def test_sms_urls_need_credentials() -> None:
    """The account sid and token travel in the URL; without them the URL is refused."""
    assert SmsConfig.from_url("https://AC1:t%2Fk@api.twilio.com/") == SmsConfig("https://api.twilio.com", "AC1", "t/k")
    with pytest.raises(ValueError, match="needs credentials"):
        SmsConfig.from_url("https://api.twilio.com")


def test_each_text_names_the_status_callback_when_one_is_given(sms: SmsServer) -> None:
    """With a status callback the form carries it as StatusCallback (the provider reports delivery there)."""
    channel = TwilioSms.from_url(sms.url, "+351910000000", status_callback="https://d.example/v1/sms/status")
    assert channel.send_sms(Sms("msg_1", "+351912345678", "Hi")).outcome is Outcome.SENT
    assert sms.log.requests[0]["form"]["StatusCallback"] == "https://d.example/v1/sms/status"


@pytest.mark.parametrize(
    ("public", "callback"),
    [
        ("https://track.example", "https://track.example/v1/sms/status"),
        ("https://d.example/doorstep/", "https://d.example/doorstep/v1/sms/status"),
        ("http://127.0.0.1:8000", ""),
        ("http://localhost:8000", ""),
        ("http://app.localhost", ""),
        ("http://[::1]:8000", ""),
    ],
)
def test_no_status_callback_to_this_machine(public: str, callback: str) -> None:
    """The callback is the public URL's /v1/sms/status, except on a loopback or localhost public URL (the
    development default), which a provider could not reach."""
    assert status_callback_url(public) == callback
