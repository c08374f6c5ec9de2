"""The SMTP email channel against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import base64

import pytest

from doorstep.notify.channels import Email, Outcome
from doorstep.notify.smtp import SmtpConfig, SmtpEmail
from tests.notify.servers import SmtpServer

SENDER = "Doorstep Deliveries <deliveries@shop.example>"


def _email(message_id: str = "msg_01test", to: str = "ana@example.pt") -> Email:
    return Email(message_id, to, "Your parcel is on its way", "Plain text body", "<p>HTML body</p>", "pt")


def test_an_email_arrives_once_as_multipart_text_and_html(smtp: SmtpServer) -> None:
    """One send puts exactly one message in the inbox: multipart/alternative, text then HTML, with the
    sender, recipient, subject, language and a Message-ID made of the Doorstep message id."""
    result = SmtpEmail.from_url(smtp.url, SENDER).send_email(_email())
    assert result.outcome is Outcome.SENT and result.provider_id == "<msg_01test@shop.example>"
    assert len(smtp.inbox.messages) == 1
    msg = smtp.inbox.messages[0]
    assert msg.get_content_type() == "multipart/alternative"
    parts = [(p.get_content_type(), p.get_content().strip()) for p in msg.iter_parts()]
    assert parts == [("text/plain", "Plain text body"), ("text/html", "<p>HTML body</p>")]
    assert (msg["From"], msg["To"], msg["Subject"]) == (SENDER, "ana@example.pt", "Your parcel is on its way")
    assert (msg["Content-Language"], msg["Message-ID"]) == ("pt", "<msg_01test@shop.example>")
    assert smtp.inbox.envelopes == [("deliveries@shop.example", ["ana@example.pt"])]


def test_the_organizations_sender_name_replaces_the_display_name_at_the_same_address(smtp: SmtpServer) -> None:
    """An email with a sender name (the notification rules' sender) comes from that name at the deployment's
    address (the envelope and the Message-ID keep the address)."""
    email = Email("msg_01name", "ana@example.pt", "Hello", "text", "<p>html</p>", "pt", sender_name="Loja Verde, Lda")
    assert SmtpEmail.from_url(smtp.url, SENDER).send_email(email).outcome is Outcome.SENT
    msg = smtp.inbox.messages[0]
    assert msg["From"] == '"Loja Verde, Lda" <deliveries@shop.example>'
    assert smtp.inbox.envelopes == [("deliveries@shop.example", ["ana@example.pt"])]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_credentials_in_the_url_log_in() -> None:
    """``smtp://user:pass@host`` logs in before sending (the server requires it)."""
    server = SmtpServer(credentials=("mailer", "s3cret"))
    server.start()
    try:
        ok = SmtpEmail.from_url(server.url, SENDER).send_email(_email())
    finally:
        server.stop()
    assert ok.outcome is Outcome.SENT and server.inbox.logins == ["mailer"]
    assert len(server.inbox.messages) == 1


def test_one_connection_carries_many_emails_and_is_reopened_after_the_server_restarts(smtp: SmtpServer) -> None:
    """Consecutive emails share one SMTP connection; when the server went away and came back, the next email
    goes out on a new connection (each email exactly once)."""
    channel = SmtpEmail.from_url(smtp.url, SENDER)
    assert [channel.send_email(_email(f"msg_{k}")).outcome for k in range(3)] == [Outcome.SENT] * 3
    smtp.stop()
    assert channel.send_email(_email("msg_down")).outcome is Outcome.RETRY
    smtp.start()
    assert channel.send_email(_email("msg_back")).outcome is Outcome.SENT
    channel.close()
    peers = smtp.inbox.peers
    assert len(peers) == 4 and peers[0] == peers[1] == peers[2] != peers[3]
    assert [m["Message-ID"] for m in smtp.inbox.messages] == [
        "<msg_0@shop.example>", "<msg_1@shop.example>", "<msg_2@shop.example>", "<msg_back@shop.example>",
    ]  # fmt: skip


def test_a_server_that_is_down_is_a_retry(smtp: SmtpServer) -> None:
    """A refused connection is not the message's fault: retry later."""
    smtp.stop()
    result = SmtpEmail.from_url(smtp.url, SENDER).send_email(_email())
    assert result.outcome is Outcome.RETRY and result.provider_id is None
    assert "ConnectionRefusedError" in (result.error or "")


@pytest.mark.parametrize(("reply", "outcome"), [("550 5.1.1 No such user", Outcome.PERMANENT),
                                                ("451 4.3.0 Try again later", Outcome.RETRY)])  # fmt: skip
def test_refusals_are_permanent_for_5xx_and_retryable_for_4xx(smtp: SmtpServer, reply: str, outcome: Outcome) -> None:
    """A 5xx answer to the message is final; a 4xx answer is temporary."""
    smtp.inbox.refuse = reply
    result = SmtpEmail.from_url(smtp.url, SENDER).send_email(_email())
    assert result.outcome is outcome and reply.split()[0] in (result.error or "")
    assert smtp.inbox.messages == []


@pytest.mark.parametrize(("reply", "outcome"), [("550 5.1.1 No such user here", Outcome.BOUNCED),
                                                ("551 5.1.6 User not local", Outcome.BOUNCED),
                                                ("553 5.1.3 Mailbox name not allowed", Outcome.BOUNCED),
                                                ("552 5.2.2 Mailbox full", Outcome.PERMANENT),
                                                ("450 4.2.1 Mailbox busy", Outcome.RETRY)])  # fmt: skip
def test_a_refused_recipient_bounces_for_550_551_553_only(smtp: SmtpServer, reply: str, outcome: Outcome) -> None:
    """A recipient refused at RCPT as unknown (550/551/553) is a bounce; another 5xx is a permanent failure of this
    message; a 4xx may pass later. Nothing reaches the inbox."""
    smtp.inbox.refuse_rcpt["ana@example.pt"] = reply
    result = SmtpEmail.from_url(smtp.url, SENDER).send_email(_email())
    assert result.outcome is outcome and reply.split()[0] in (result.error or "")
    assert smtp.inbox.messages == [] and smtp.inbox.refused_rcpt == ["ana@example.pt"]


def test_the_next_email_after_a_bounce_goes_out(smtp: SmtpServer) -> None:
    """A bounce of one recipient does not hold up the next email to another (same channel object)."""
    smtp.inbox.refuse_rcpt["gone@example.pt"] = "550 5.1.1 No such user here"
    channel = SmtpEmail.from_url(smtp.url, SENDER)
    assert channel.send_email(_email("msg_gone", "gone@example.pt")).outcome is Outcome.BOUNCED
    assert channel.send_email(_email("msg_ok", "ana@example.pt")).outcome is Outcome.SENT
    assert [m["To"] for m in smtp.inbox.messages] == ["ana@example.pt"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example:587", SmtpConfig("mail.example", 587, starttls=True)),
        ("smtp://u:p%40ss@mail.example:2525?starttls=1", SmtpConfig("mail.example", 2525, "u", "p@ss", True)),
        ("smtp://mail.example", SmtpConfig("mail.example", 25)),
        ("smtp://mail.example:587?starttls=0", SmtpConfig("mail.example", 587)),
        ("smtps://mail.example", SmtpConfig("mail.example", 465, implicit_tls=True)),
    ],
)
def test_smtp_urls_parse_with_starttls_on_port_587_or_when_asked(url: str, expected: SmtpConfig) -> None:
    """Port 587 or ``?starttls=1`` turns STARTTLS on; smtps:// is TLS from the start on 465; credentials unquote."""
    assert SmtpConfig.from_url(url) == expected


def test_an_url_of_another_scheme_is_refused() -> None:
    """``http://`` is not an SMTP server."""
    with pytest.raises(ValueError, match="not an SMTP URL"):
        SmtpConfig.from_url("http://mail.example")


def test_a_data_logo_travels_as_an_inline_image_part(smtp: SmtpServer) -> None:
    """A logo given as ``data:image/png;base64`` is attached to the HTML (multipart/related, Content-ID) and the
    HTML points at it by ``cid:`` (mail clients show no data: image); used twice, it is attached once; text
    alternative unchanged."""
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    html = f'<p><img src="{uri}" alt="Loja"></p><p>Hi</p><footer><img src="{uri}" alt=""></footer>'
    email = Email("msg_01logo", "ana@example.pt", "Hello", "Plain text body", html, "pt")
    assert SmtpEmail.from_url(smtp.url, SENDER).send_email(email).outcome is Outcome.SENT
    msg = smtp.inbox.messages[0]
    assert msg.get_content_type() == "multipart/alternative"
    text, related = list(msg.iter_parts())
    assert (text.get_content_type(), related.get_content_type()) == ("text/plain", "multipart/related")
    body, image = list(related.iter_parts())
    cid = "image1.msg_01logo@shop.example"
    assert (image.get_content_type(), image["Content-ID"], image.get_content()) == ("image/png", f"<{cid}>", png)
    assert body.get_content().count(f'src="cid:{cid}"') == 2 and "data:image" not in body.get_content()


def test_a_server_slow_to_answer_the_message_is_waited_for_not_sent_again(smtp: SmtpServer) -> None:
    """The server stores the email and answers 1.5 s later, beyond the 0.5-s timeout of the other commands:
    the channel waits for that answer (``data_timeout_s``), so the email counts as sent and exists once; the
    connection keeps the short timeout for the next email, which goes out on it."""
    smtp.inbox.answer_after_s = 1.5
    channel = SmtpEmail(SmtpConfig("127.0.0.1", smtp.port, timeout_s=0.5, data_timeout_s=5.0), SENDER)
    result = channel.send_email(_email("msg_01slow"))
    assert result.outcome is Outcome.SENT and result.provider_id == "<msg_01slow@shop.example>"
    assert [m["Message-ID"] for m in smtp.inbox.messages] == ["<msg_01slow@shop.example>"]
    assert channel._smtp is not None and channel._smtp.sock is not None
    assert channel._smtp.sock.gettimeout() == 0.5
    smtp.inbox.answer_after_s = 0.0
    assert channel.send_email(_email("msg_01next")).outcome is Outcome.SENT
    assert len(set(smtp.inbox.peers)) == 1  # one connection carried both
    channel.close()


def test_an_answer_later_than_the_data_wait_is_a_retry(smtp: SmtpServer) -> None:
    """Past ``data_timeout_s`` the channel gives up and says retry, although the server stored the email: the
    window that is left (the job sends it again with the same Message-ID; docs/notifications.md)."""
    smtp.inbox.answer_after_s = 1.5
    channel = SmtpEmail(SmtpConfig("127.0.0.1", smtp.port, timeout_s=0.2, data_timeout_s=0.5), SENDER)
    result = channel.send_email(_email("msg_01late"))
    assert result.outcome is Outcome.RETRY and "timed out" in (result.error or "")
    assert [m["Message-ID"] for m in smtp.inbox.messages] == ["<msg_01late@shop.example>"]
    channel.close()
