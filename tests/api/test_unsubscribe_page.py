"""The unsubscribe page (``/u/{token}``) and its confirmation speak the language of the email that linked to
them, with the page's ``lang`` attribute; a link that does not exist answers in the browser's language."""

from __future__ import annotations

import re

import pytest

from tests.api.notify_day import PUBLIC, CustomerDay, Notifying, customer_day, notifying, outbox

__all__ = ["notifying"]  # the module-scoped app fixture
PAGES = {  # language: (question title, button, confirmation title, confirmation text after the address)
    "en": ("Stop delivery emails?", "Unsubscribe", "Unsubscribed", "receives no more delivery emails"),
    "fr": ("Ne plus recevoir les e-mails de livraison ?", "Se désabonner", "Désabonnement effectué",
           "ne reçoit plus d&#x27;e-mails de livraison"),
    "de": ("Keine Liefer-E-Mails mehr?", "Abmelden", "Abgemeldet", "erhält keine Liefer-E-Mails mehr"),
    "es": ("¿Dejar de recibir correos de entrega?", "Darse de baja", "Baja confirmada",
           "ya no recibe correos de entrega"),
    "pt": ("Deixar de receber emails de entrega?", "Cancelar subscrição", "Subscrição cancelada",
           "já não recebe emails de entrega"),
}  # fmt: skip


@pytest.fixture(scope="module")
def day(notifying: Notifying) -> CustomerDay:
    """A dispatched day: orders 0-4 have customers speaking en, fr, de, es, pt, each with one email."""
    return customer_day(notifying.client)


def _link(n: Notifying, day: CustomerDay, k: int) -> str:
    """The unsubscribe path of the email order k's customer received."""
    mails = [m for m in n.smtp.inbox.messages if m["To"] == day.email_of(k)]
    assert mails, (len(n.smtp.inbox.messages), outbox(n.client, day.t.org_id))
    mail = mails[0]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link: str = next(w for w in text.split() if w.startswith(f"{PUBLIC}/u/"))
    return link.removeprefix(PUBLIC)


def _lang_title(html: str) -> tuple[str, str]:
    lang = re.search(r'<html lang="([^"]+)"', html)
    title = re.search(r"<h1>(.*?)</h1>", html)
    assert lang is not None and title is not None, html
    return lang.group(1), title.group(1)


@pytest.mark.parametrize(("k", "language"), list(enumerate(PAGES)))
def test_the_page_and_its_confirmation_speak_the_emails_language(
    notifying: Notifying, day: CustomerDay, k: int, language: str
) -> None:
    """Order k's customer (language ``language``) opens the link: the question, the button and, after the POST,
    the confirmation are in their language, the page says so in ``lang``; the English words are nowhere."""
    ask_title, button, done_title, done_text = PAGES[language]
    path = _link(notifying, day, k)
    page = notifying.client.get(path, headers={"Accept-Language": "en"})  # the email's language wins
    assert page.status_code == 200
    assert _lang_title(page.text) == (language, ask_title)
    assert f">{button}</button>" in page.text and day.email_of(k) in page.text
    done = notifying.client.post(path)
    assert done.status_code == 200 and _lang_title(done.text) == (language, done_title)
    assert f"{day.email_of(k)} {done_text}" in done.text and "<button" not in done.text
    again = notifying.client.get(path)  # opened again later: the confirmation, not the question
    assert _lang_title(again.text) == (language, done_title)
    if language != "en":
        assert "Unsubscribe" not in page.text and "Unsubscribed" not in done.text


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("de-DE,de;q=0.9,en;q=0.5", ("de", "Link nicht gefunden")), ("pt-BR", ("pt", "Ligação não encontrada")),
     ("ja", ("en", "Link not found")), ("", ("en", "Link not found"))],
)  # fmt: skip
def test_a_link_that_does_not_exist_is_a_404_in_the_browsers_language(
    notifying: Notifying, accept: str, expected: tuple[str, str]
) -> None:
    """No email says which language an unknown link is in: the browser's first offered language (else English)."""
    for r in (notifying.client.get("/u/not-a-token", headers={"Accept-Language": accept}),
              notifying.client.post("/u/not-a-token", headers={"Accept-Language": accept})):  # fmt: skip
        assert r.status_code == 404 and _lang_title(r.text) == expected
