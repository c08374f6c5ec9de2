"""Delivery status notifications as mail servers write them (RFC 3464), for the bounce tests: Postfix's (the
original's headers returned as text/rfc822-headers) and Gmail's (the whole original as message/rfc822)."""

from __future__ import annotations

USER_UNKNOWN = "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"


def postfix_dsn(to: str, rcpt: str, returned_headers: str, status: str = "5.1.1", action: str = "failed",
                diagnostic: str = USER_UNKNOWN) -> bytes:  # fmt: skip
    """What Postfix sends the envelope sender when a later hop refuses ``rcpt``."""
    diag = diagnostic.format(rcpt=rcpt)
    return f"""Return-Path: <>
From: MAILER-DAEMON@mx1.example.org (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4GZJ1x0vq3z1Xm.1765100000/mx1.example.org"
Message-Id: <20261207100000.4GZJ1x0vq3z1Xm@mx1.example.org>

This is a MIME-encapsulated message.

--4GZJ1x0vq3z1Xm.1765100000/mx1.example.org
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx1.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{rcpt}>: host mail.example.org[192.0.2.25] said: {diag}

--4GZJ1x0vq3z1Xm.1765100000/mx1.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.example.org
X-Postfix-Queue-ID: 4GZJ1x0vq3z1Xm
X-Postfix-Sender: rfc822; {to}
Arrival-Date: Mon,  7 Dec 2026 09:59:58 +0000 (UTC)

Final-Recipient: rfc822; {rcpt}
Original-Recipient: rfc822;{rcpt}
Action: {action}
Status: {status}
Remote-MTA: dns; mail.example.org
Diagnostic-Code: smtp; {diag}

--4GZJ1x0vq3z1Xm.1765100000/mx1.example.org
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

{returned_headers.strip()}

--4GZJ1x0vq3z1Xm.1765100000/mx1.example.org--
""".replace("\n", "\r\n").encode()


def gmail_dsn(to: str, rcpt: str, original: str) -> bytes:
    """What Gmail sends back for a disabled account (5.2.1), with the original message attached whole."""
    return f"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: {to}
Auto-Submitted: auto-replied
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; boundary="000000000000a1b2c3"; report-type=delivery-status
Message-ID: <5f0c.abc@mx.google.com>

--000000000000a1b2c3
Content-Type: multipart/related; boundary="000000000000a1b2d4"

--000000000000a1b2d4
Content-Type: text/plain; charset="UTF-8"

Address not found: the account you tried to reach is disabled.

--000000000000a1b2d4--

--000000000000a1b2c3
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.com
Received-From-MTA: dns; relay.example.net
Arrival-Date: Mon, 07 Dec 2026 02:03:04 -0800 (PST)
X-Original-Message-ID: <irrelevant@example.net>

Final-Recipient: rfc822; {rcpt}
Action: failed
Status: 5.2.1
Diagnostic-Code: smtp; 550-5.2.1 The email account that you tried to reach is disabled.
 https://support.google.com/mail/?p=DisabledUser
Last-Attempt-Date: Mon, 07 Dec 2026 02:03:05 -0800 (PST)

--000000000000a1b2c3
Content-Type: message/rfc822

{original.strip()}

--000000000000a1b2c3--
""".replace("\n", "\r\n").encode()


def delayed_dsn(to: str, rcpt: str, returned_headers: str) -> bytes:
    """A warning that delivery is only delayed (4.4.7): nothing to record."""
    return postfix_dsn(to, rcpt, returned_headers, status="4.4.7", action="delayed",
                       diagnostic="delivery temporarily suspended: connect to mail.example.org: timed out")  # fmt: skip


def auto_reply(to: str) -> bytes:
    """An out-of-office answer to the bounce address: not a report."""
    return (f"From: Ana <ana@example.org>\r\nTo: {to}\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n"
            "Content-Type: text/plain\r\n\r\nI am away until Monday.\r\n").encode()  # fmt: skip
