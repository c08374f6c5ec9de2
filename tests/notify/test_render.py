"""Message templates per trigger and language, variables checked, dates and times via Babel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.notify import formatting
from doorstep.notify.render import check_template, compile_template, packaged, render
from doorstep.notify.triggers import LANGUAGES, VARIABLES, Trigger, language_for
from doorstep.notify.wording import next_step_text, reason_text

START = datetime(2025, 6, 17, 10, 0, tzinfo=UTC)  # 11:00 in Lisbon (WEST), 12:00 in Berlin
END = datetime(2025, 6, 17, 12, 0, tzinfo=UTC)


def _vars(trigger: Trigger) -> dict[str, str]:
    return {v: f"<{v}>" for v in VARIABLES[trigger]}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("trigger", list(Trigger))
def test_every_trigger_has_a_template_in_every_language_using_all_its_sections(trigger: Trigger, language: str) -> None:
    """Each packaged template loads (its variables checked), fills every section and leaves no placeholder."""
    out = packaged(trigger, language).render(language, _vars(trigger))
    assert out.language == language
    for section in (out.subject, out.sms, out.text, out.html):
        assert section and "{{" not in section and "}}" not in section
    key = "code" if trigger is Trigger.DRIVER_INVITE else "order_ref"  # an invite is about a code, not an order
    assert (f"<{key}>" in out.subject or trigger is Trigger.DRIVER_INVITE) and f"<{key}>" in out.text
    assert f"&lt;{key}&gt;" in out.html and f"<{key}>" not in out.html  # escaped in HTML only
    assert f'<html lang="{language}">' in out.html


def test_a_template_with_an_unknown_variable_is_refused_with_e1133() -> None:
    """A variable the trigger does not offer (a typo, a field of another trigger) is refused, each one named."""
    source = "[subject]\nHi {{ customer_nmae }}\n[sms]\n{{ window }}\n[text]\n{{ order_ref }}\n[html]\n{{ reason }}"
    with pytest.raises(DoorstepError) as err:
        check_template(Trigger.DELIVERED, source)
    assert [(i.code, i.id) for i in err.value.issues] == [("E1133", "customer_nmae"), ("E1133", "reason"),
                                                          ("E1133", "window")]  # fmt: skip
    fixed = source.replace("customer_nmae", "customer_name").replace("reason", "day")
    compile_template(Trigger.OUT_FOR_DELIVERY, fixed)  # the same template with offered variables is accepted


def test_a_section_missing_from_a_template_is_a_packaging_error() -> None:
    """Every template needs subject, sms, text and html."""
    with pytest.raises(ValueError, match="missing sections"):
        check_template(Trigger.DELIVERED, "[subject]\nHi\n[text]\nHello")


@pytest.mark.parametrize(
    ("tag", "language"), [("pt", "pt"), ("pt-BR", "pt"), ("FR_ch", "fr"), ("ja", "en"), ("", "en")]
)
def test_the_customer_language_picks_its_template_or_english(tag: str, language: str) -> None:
    """A regional tag uses its language's template; a language without templates gets English."""
    assert language_for(tag) == language
    assert render(Trigger.DELIVERED, tag, _vars(Trigger.DELIVERED)).language == language


@pytest.mark.parametrize(
    ("language", "window", "day"),
    [
        ("en", "11:00\u202fAM – 1:00\u202fPM", "Tuesday, June 17, 2025"),
        ("pt", "11:00 – 13:00", "terça-feira, 17 de junho de 2025"),
        ("de", "11:00 – 13:00", "Dienstag, 17. Juni 2025"),
        ("fr", "11:00 – 13:00", "mardi 17 juin 2025"),
        ("es", "11:00 – 13:00", "martes, 17 de junio de 2025"),
    ],
)
def test_windows_and_days_read_in_the_depot_time_zone_and_the_customer_locale(
    language: str, window: str, day: str
) -> None:
    """10:00-12:00 UTC is 11:00-13:00 in Lisbon, written the way the customer's locale writes times and days."""
    assert formatting.window(START, END, "Europe/Lisbon", language) == window
    assert formatting.day(START, "Europe/Lisbon", language) == day


def test_a_window_to_the_next_midnight_ends_a_minute_before_it() -> None:
    """A parcel locker's day, 00:00 to the next 00:00 in Lisbon, reads 00:00 – 23:59 (it read 00:00 – 00:00)."""
    start = datetime(2025, 6, 16, 23, 0, tzinfo=UTC)  # 00:00 on the 17th in Lisbon
    end = datetime(2025, 6, 17, 23, 0, tzinfo=UTC)
    assert formatting.window(start, end, "Europe/Lisbon", "pt") == "00:00 – 23:59"
    assert formatting.window(start, end, "Europe/Lisbon", "en") == "12:00\u202fAM – 11:59\u202fPM"
    assert formatting.window(start, start.replace(hour=3), "Europe/Lisbon", "pt") == "00:00 – 04:00"


def test_the_local_day_is_the_depot_day_not_the_utc_day() -> None:
    """23:30 UTC on the 17th is already the 18th in Berlin."""
    late = datetime(2025, 6, 17, 23, 30, tzinfo=UTC)
    assert formatting.day(late, "Europe/Berlin", "en") == "Wednesday, June 18, 2025"
    assert formatting.time(late, "Europe/Berlin", "de") == "01:30"


def test_failure_reasons_and_next_steps_are_worded_per_language() -> None:
    """Reason codes become words in the customer's language; an unknown code reads as 'other'."""
    assert reason_text("pt", "not_home") == "não estava ninguém em casa"
    assert reason_text("en", "gremlins") == "of a problem on the way"
    assert next_step_text("de", "reattempt_next_day", "Mittwoch") == "Wir versuchen es am Mittwoch noch einmal."


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("trigger", [t for t in Trigger if t is not Trigger.DRIVER_INVITE])
def test_the_email_button_reads_on_any_brand_colour(trigger: Trigger, language: str) -> None:
    """The button's text is white on a dark brand colour and near-black on a light one (the higher WCAG contrast,
    as on the tracking page): a pale yellow brand no longer gets white text."""
    from doorstep.notify.compose import Facts, compose

    for colour, text in (("#0b6e4f", "#ffffff"), ("#ffe066", "#111111")):
        facts = Facts(trigger=trigger, language=language, timezone="Europe/Lisbon", order_ref="R-1",
                      brand_colour=colour, tracking_url="https://t.example/t/x")  # fmt: skip
        assert f"background:{colour};color:{text};" in compose(facts).html


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_address_change_names_the_new_address_and_whom_to_call(language: str) -> None:
    """A tracking link lets whoever holds it move the parcel: every section of the confirmation names the new
    address, and the email says to contact the sender if the customer did not ask for the move."""
    out = packaged(Trigger.ADDRESS_CHANGED, language).render(language, _vars(Trigger.ADDRESS_CHANGED))
    for section in (out.subject, out.sms, out.text):
        assert "<address>" in section, section
    assert "&lt;address&gt;" in out.html
    assert "<sender_name>" in out.text.split("<address>", 1)[1]  # after the address: whom to call
    assert "&lt;sender_name&gt;" in out.html.split("&lt;address&gt;", 1)[1]
