"""Words templates need that come from codes: failure reasons and next steps, per language."""

from __future__ import annotations

REASONS: dict[str, dict[str, str]] = {
    "en": {"not_home": "nobody was home", "address_not_found": "the driver could not find the address",
           "refused": "the parcel was refused", "no_access": "the driver could not get in",
           "damaged": "the parcel was damaged", "no_parking": "the driver found nowhere to stop",
           "out_of_time": "the driver ran out of time", "other": "of a problem on the way"},
    "fr": {"not_home": "personne n'était présent", "address_not_found": "le livreur n'a pas trouvé l'adresse",
           "refused": "le colis a été refusé", "no_access": "le livreur n'a pas pu accéder à l'adresse",
           "damaged": "le colis a été endommagé", "no_parking": "le livreur n'a pas pu s'arrêter",
           "out_of_time": "le livreur a manqué de temps", "other": "d'un imprévu"},
    "de": {"not_home": "niemand zu Hause war", "address_not_found": "der Fahrer die Adresse nicht gefunden hat",
           "refused": "die Annahme verweigert wurde", "no_access": "der Fahrer keinen Zugang hatte",
           "damaged": "das Paket beschädigt war", "no_parking": "der Fahrer nicht halten konnte",
           "out_of_time": "die Zeit des Fahrers nicht reichte", "other": "eines Problems unterwegs"},
    "es": {"not_home": "no había nadie en casa", "address_not_found": "el repartidor no encontró la dirección",
           "refused": "el paquete fue rechazado", "no_access": "el repartidor no pudo acceder",
           "damaged": "el paquete estaba dañado", "no_parking": "el repartidor no pudo detenerse",
           "out_of_time": "el repartidor se quedó sin tiempo", "other": "un imprevisto"},
    "pt": {"not_home": "não estava ninguém em casa", "address_not_found": "o estafeta não encontrou a morada",
           "refused": "a encomenda foi recusada", "no_access": "o estafeta não conseguiu aceder",
           "damaged": "a encomenda estava danificada", "no_parking": "o estafeta não conseguiu parar",
           "out_of_time": "o estafeta ficou sem tempo", "other": "um imprevisto"},
}  # fmt: skip
NEXT_STEPS: dict[str, dict[str, str]] = {
    "en": {"reattempt_same_day": "We will try again later today.", "reattempt_next_day": "We will try again on {day}.",
           "return_to_sender": "The parcel goes back to the sender.", "give_up": "We will not try again."},
    "fr": {"reattempt_same_day": "Nous réessaierons plus tard aujourd'hui.",
           "reattempt_next_day": "Nous réessaierons le {day}.",
           "return_to_sender": "Le colis sera renvoyé à l'expéditeur.", "give_up": "Nous ne réessaierons pas."},
    "de": {"reattempt_same_day": "Wir versuchen es heute später noch einmal.",
           "reattempt_next_day": "Wir versuchen es am {day} noch einmal.",
           "return_to_sender": "Das Paket geht an den Absender zurück.", "give_up": "Wir versuchen es nicht erneut."},
    "es": {"reattempt_same_day": "Lo intentaremos de nuevo más tarde hoy.",
           "reattempt_next_day": "Lo intentaremos de nuevo el {day}.",
           "return_to_sender": "El paquete vuelve al remitente.", "give_up": "No lo intentaremos de nuevo."},
    "pt": {"reattempt_same_day": "Tentaremos de novo ainda hoje.", "reattempt_next_day": "Tentaremos de novo {day}.",
           "return_to_sender": "A encomenda regressa ao remetente.", "give_up": "Não voltaremos a tentar."},
}  # fmt: skip


def reason_text(language: str, reason: str) -> str:
    """The reason as a customer reads it (an unknown code reads as 'other')."""
    words = REASONS.get(language, REASONS["en"])
    return words.get(reason, words["other"])


def next_step_text(language: str, step: str, day: str) -> str:
    """What happens next, with the day of a next-day attempt filled in ("" for an unknown step)."""
    return NEXT_STEPS.get(language, NEXT_STEPS["en"]).get(step, "").format(day=day)


ANY_TIME: dict[str, str] = {
    "en": "during the day", "fr": "au cours de la journée", "de": "im Laufe des Tages", "es": "a lo largo del día",
    "pt": "ao longo do dia",
}  # fmt: skip

WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"), "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom"),
    "pt": ("seg", "ter", "qua", "qui", "sex", "sáb", "dom"),
}  # fmt: skip
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def opening_hours_text(language: str, hours: dict[str, list[list[str]]]) -> str:
    """A point's opening hours as a customer reads them: consecutive days with the same hours joined
    ("Mon–Fri 10:00–13:00, 14:00–17:00; Sat 10:00–13:00"); closed days left out."""
    names = WEEKDAYS.get(language, WEEKDAYS["en"])
    spans: list[tuple[int, int, str]] = []
    for k, key in enumerate(DAY_KEYS):
        text = ", ".join(f"{a}–{b}" for a, b in hours.get(key, []))
        if not text:
            continue
        if spans and spans[-1][1] == k - 1 and spans[-1][2] == text:
            spans[-1] = (spans[-1][0], k, text)
        else:
            spans.append((k, k, text))
    return "; ".join(f"{names[a]}{'' if a == b else '–' + names[b]} {text}" for a, b, text in spans)
