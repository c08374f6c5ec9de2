"""The words of the unsubscribe page an email links to (``/u/{token}``), per language of the message templates:
the question with its button, the confirmation, and the page of a link that does not exist. Placeholders are
``str.format`` fields."""

from __future__ import annotations

from doorstep.notify.triggers import LANGUAGES, language_for

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "ask_title": "Stop delivery emails?",
        "ask": "{address} will receive no more delivery emails from this sender.",
        "button": "Unsubscribe",
        "done_title": "Unsubscribed",
        "done": "{address} receives no more delivery emails from this sender.",
        "missing_title": "Link not found",
        "missing": "This unsubscribe link does not exist.",
    },
    "fr": {
        "ask_title": "Ne plus recevoir les e-mails de livraison ?",
        "ask": "{address} ne recevra plus d'e-mails de livraison de cet expéditeur.",
        "button": "Se désabonner",
        "done_title": "Désabonnement effectué",
        "done": "{address} ne reçoit plus d'e-mails de livraison de cet expéditeur.",
        "missing_title": "Lien introuvable",
        "missing": "Ce lien de désabonnement n'existe pas.",
    },
    "de": {
        "ask_title": "Keine Liefer-E-Mails mehr?",
        "ask": "{address} wird keine Liefer-E-Mails mehr von diesem Absender erhalten.",
        "button": "Abmelden",
        "done_title": "Abgemeldet",
        "done": "{address} erhält keine Liefer-E-Mails mehr von diesem Absender.",
        "missing_title": "Link nicht gefunden",
        "missing": "Dieser Abmeldelink existiert nicht.",
    },
    "es": {
        "ask_title": "¿Dejar de recibir correos de entrega?",
        "ask": "{address} no recibirá más correos de entrega de este remitente.",
        "button": "Darse de baja",
        "done_title": "Baja confirmada",
        "done": "{address} ya no recibe correos de entrega de este remitente.",
        "missing_title": "Enlace no encontrado",
        "missing": "Este enlace para darse de baja no existe.",
    },
    "pt": {
        "ask_title": "Deixar de receber emails de entrega?",
        "ask": "{address} deixará de receber emails de entrega deste remetente.",
        "button": "Cancelar subscrição",
        "done_title": "Subscrição cancelada",
        "done": "{address} já não recebe emails de entrega deste remetente.",
        "missing_title": "Ligação não encontrada",
        "missing": "Esta ligação para cancelar a subscrição não existe.",
    },
}
assert set(WORDS) == set(LANGUAGES) and all(WORDS[lang].keys() == WORDS["en"].keys() for lang in WORDS)


def unsubscribe_words(language: str) -> tuple[str, dict[str, str]]:
    """The page's language and words for a message's language (English when it is not offered)."""
    lang = language_for(language)
    return lang, WORDS[lang]
