"""An organization's notification rules: which moments send a message to the order's customer, on which channels,
with the thresholds of the triggers that need one (arriving soon, delayed, feedback request); quiet hours; and the
sender identity shown in messages and on the tracking page. Stored as one JSON document per organization; the
defaults are what Doorstep did before rules existed (the five original triggers on every configured channel)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateSyntaxError

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.notify.logo import problem as logo_problem
from doorstep.notify.render import (
    SECTIONS,
    compile_template,
    split_sections,
    syntax_errors,
    unknown_by_section,
    unknown_variable,
)
from doorstep.notify.triggers import CUSTOMER_TRIGGERS, LANGUAGES, Trigger

CHANNELS = ("email", "sms")
DEFAULT_ON = (
    Trigger.OUT_FOR_DELIVERY, Trigger.DELIVERED, Trigger.DELIVERY_FAILED, Trigger.RETURN_SCHEDULED, Trigger.RESCHEDULED,
    Trigger.READY_FOR_PICKUP, Trigger.ADDRESS_CHANGED,
)  # fmt: skip
# the settings a trigger takes: name -> (default, least, most)
SETTINGS: dict[Trigger, dict[str, tuple[int, int, int]]] = {
    Trigger.ARRIVING_SOON: {"stops_away": (3, 0, 50), "minutes_away": (15, 0, 240)},
    Trigger.DELAYED: {"threshold_minutes": (15, 1, 480)},
    Trigger.FEEDBACK_REQUEST: {"delay_minutes": (60, 0, 10_080)},
}
ALL_SETTINGS = frozenset(k for settings in SETTINGS.values() for k in settings)
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DEFAULT_COLOUR = "#0b6e4f"


@dataclass(frozen=True, slots=True)
class Rule:
    """One trigger: on or off, its channels, its settings (only the ones ``SETTINGS`` names for it)."""

    trigger: Trigger
    enabled: bool
    channels: tuple[str, ...] = CHANNELS
    settings: dict[str, int] = field(default_factory=dict)

    def setting(self, name: str) -> int:
        """A setting's value (its default when the rule does not give it)."""
        return self.settings.get(name, SETTINGS[self.trigger][name][0])


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local times between which no message goes out (``start`` > ``end``: the period spans midnight)."""

    start: time
    end: time

    def release(self, now: datetime, timezone: str) -> datetime | None:
        """When a message written at ``now`` may go out: None when ``now`` is outside the quiet period, else the
        period's end (in UTC terms of the given zone)."""
        tz = ZoneInfo(timezone)
        local = now.astimezone(tz)
        t = local.time().replace(tzinfo=None)
        spans_midnight = self.start > self.end
        quiet = (t >= self.start or t < self.end) if spans_midnight else (self.start <= t < self.end)
        if not quiet:
            return None
        day = local.date() if t < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=tz)


@dataclass(frozen=True, slots=True)
class Sender:
    """Who the messages say they are from, and the look of the emails and tracking page."""

    name: str = ""  # empty: the deployment's sender name (DOORSTEP_SMTP_FROM's display name)
    logo_url: str = ""
    colour: str = DEFAULT_COLOUR


@dataclass(frozen=True, slots=True)
class NotifyRules:
    """Every customer trigger's rule, the quiet hours (None: none) and the sender."""

    rules: dict[Trigger, Rule]
    quiet_hours: QuietHours | None = None
    sender: Sender = field(default_factory=Sender)
    # the organization's own wording: (trigger, language) -> a template's source (its four sections)
    templates: dict[tuple[Trigger, str], str] = field(default_factory=dict)

    def template(self, trigger: Trigger, language: str) -> str | None:
        """The organization's template for a trigger in a language (None: Doorstep's own)."""
        return self.templates.get((trigger, language))

    def rule(self, trigger: Trigger) -> Rule:
        """The trigger's rule (off when the document does not list it)."""
        return self.rules.get(trigger) or Rule(trigger, False)

    def channels(self, trigger: Trigger) -> tuple[str, ...]:
        """The channels a trigger sends on (none when it is off)."""
        r = self.rule(trigger)
        return r.channels if r.enabled else ()


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(colour: str) -> str:
    """White or near-black, whichever reads better on the brand colour (the higher WCAG contrast ratio), so a
    light brand colour never makes the tracking page's header unreadable."""
    lum = _luminance(colour)
    white, dark = 1.05 / (lum + 0.05), (lum + 0.05) / (_luminance("#111111") + 0.05)
    return "#ffffff" if white >= dark else "#111111"


def defaults() -> NotifyRules:
    """Today's behaviour: the five original triggers on every channel, the others off, no quiet hours."""
    return NotifyRules({t: Rule(t, t in DEFAULT_ON) for t in CUSTOMER_TRIGGERS})


def to_dict(r: NotifyRules) -> dict[str, Any]:
    """The JSON document of the rules (every trigger listed, with all its settings)."""
    rules = []
    for t in CUSTOMER_TRIGGERS:
        rule = r.rule(t)
        item: dict[str, Any] = {"trigger": t.value, "enabled": rule.enabled, "channels": list(rule.channels)}
        item.update({name: rule.setting(name) for name in SETTINGS.get(t, {})})
        rules.append(item)
    quiet = None
    if r.quiet_hours is not None:
        quiet = {"start": r.quiet_hours.start.strftime("%H:%M"), "end": r.quiet_hours.end.strftime("%H:%M")}
    sender = {"name": r.sender.name, "logo_url": r.sender.logo_url, "colour": r.sender.colour}
    templates = [
        {"trigger": t.value, "language": lang, **split_sections(source)}
        for (t, lang), source in sorted(r.templates.items(), key=lambda kv: (kv[0][0].value, kv[0][1]))
    ]
    return {"rules": rules, "quiet_hours": quiet, "sender": sender, "templates": templates}


def from_stored(doc: dict[str, Any] | None) -> NotifyRules:
    """The rules of a stored document (None: the defaults). Stored documents were validated when saved."""
    return defaults() if doc is None else parse(doc)


def parse(doc: Any) -> NotifyRules:
    """Validate a rules document and return the rules; every problem at once (E1460-E1465)."""
    issues: list[Issue] = []
    if not isinstance(doc, dict):
        raise DoorstepError([Issue("E1462", "the notification rules must be a JSON object", ())])
    for key in sorted(set(doc) - {"rules", "quiet_hours", "sender", "templates"}):
        issues.append(Issue("E1462", f"unknown field {key!r} in the notification rules", (key,)))
    rules = _rules(doc.get("rules", []), issues)
    quiet = _quiet(doc.get("quiet_hours"), issues)
    sender = _sender(doc.get("sender"), issues)
    templates = _templates(doc.get("templates") or [], issues)
    if issues:
        raise DoorstepError(issues)
    return NotifyRules(rules, quiet, sender, templates)


TEMPLATE_LIMITS = {"subject": 200, "sms": 480, "text": 5_000, "html": 20_000}  # characters per section


def _templates(raw: Any, issues: list[Issue]) -> dict[tuple[Trigger, str], str]:
    """The organization's own templates: ``[{trigger, language, subject, sms, text, html}]``, each section a
    Jinja2 text using only its trigger's variables (E1133 per unknown one); a trigger and language once (E1466
    for anything else wrong)."""
    if not isinstance(raw, list):
        issues.append(Issue("E1466", "templates must be a list of {trigger, language, subject, sms, text, html}",
                            ("templates",)))  # fmt: skip
        return {}
    out: dict[tuple[Trigger, str], str] = {}
    for i, item in enumerate(raw):
        loc: tuple[str | int, ...] = ("templates", i)
        if not isinstance(item, dict):
            issues.append(Issue("E1466", "a template must be an object", loc))
            continue
        for key in sorted(set(item) - {"trigger", "language", *SECTIONS}):
            issues.append(Issue("E1466", f"unknown template field {key!r}", (*loc, key)))
        trigger = next((t for t in CUSTOMER_TRIGGERS if t.value == item.get("trigger")), None)
        if trigger is None:
            issues.append(Issue("E1460", f"unknown trigger {item.get('trigger')!r}", (*loc, "trigger")))
        language = item.get("language")
        if language not in LANGUAGES:
            issues.append(Issue("E1466", f"language must be one of {', '.join(LANGUAGES)}", (*loc, "language")))
        texts = {k: item.get(k) for k in SECTIONS}
        for k, v in texts.items():
            if not isinstance(v, str) or not v.strip() or len(v) > TEMPLATE_LIMITS[k] or "[" + k + "]" in v:
                issues.append(Issue("E1466", f"{k} must be a non-empty text of at most {TEMPLATE_LIMITS[k]} "
                                    "characters", (*loc, k)))  # fmt: skip
        if trigger is None or language not in LANGUAGES or any(i.loc[:2] == loc for i in issues):
            continue
        if (trigger, language) in out:
            issues.append(Issue("E1466", f"a second template for {trigger.value} in {language}", loc))
            continue
        source = "".join(f"[{k}]\n{texts[k]}\n" for k in SECTIONS)
        try:
            compile_template(trigger, source, f"templates[{i}]")
        except DoorstepError as exc:
            issues += [replace(x, loc=loc) for x in exc.issues]
            continue
        except TemplateSyntaxError as exc:
            issues.append(Issue("E1466", f"templates[{i}]: {exc.message} (line {exc.lineno})", loc))
            continue
        out[(trigger, str(language))] = source
    return out


def template_source(item: Any) -> tuple[Trigger, str, str]:
    """One template of the document checked as ``templates`` checks it, every problem at once and each located
    at the item's own field (a section that does not parse, each unknown variable in the section using it), as
    (trigger, language, source)."""
    issues: list[Issue] = []
    found = _templates([item], issues)
    whole = [i for i in issues if i.loc == ("templates", 0) and i.code in ("E1133", "E1466")]
    if whole:  # the template as a whole did not compile: say where, section by section
        trigger = Trigger(item["trigger"])
        sections = {k: str(item[k]) for k in SECTIONS}
        issues = [i for i in issues if i not in whole]
        issues += [Issue("E1466", f"{k}: {why}", (k,)) for k, why in syntax_errors(sections).items()]
        unknown = unknown_by_section(trigger, sections)
        issues += [unknown_variable(trigger, k, v, (k,)) for k, names in unknown.items() for v in names]
    if issues:
        raise DoorstepError([replace(i, loc=i.loc[2:]) if i.loc[:1] == ("templates",) else i for i in issues])
    [((trigger, language), source)] = found.items()
    return trigger, language, source


def parse_sender(raw: Any) -> Sender:
    """A ``sender`` object checked as the rules document checks it (E1464, E1465; None: the default)."""
    issues: list[Issue] = []
    sender = _sender(raw, issues)
    if issues:
        raise DoorstepError(issues)
    return sender


def _rules(raw: Any, issues: list[Issue]) -> dict[Trigger, Rule]:
    if not isinstance(raw, list):
        issues.append(Issue("E1462", "rules must be a list of {trigger, enabled, channels, ...}", ("rules",)))
        return {}
    out: dict[Trigger, Rule] = {}
    for k, item in enumerate(raw):
        rule = _rule(item, ("rules", k), issues)
        if rule is None:
            continue
        if rule.trigger in out:
            issues.append(Issue("E1462", f"rule {k} repeats trigger {rule.trigger.value}", ("rules", k, "trigger")))
        out[rule.trigger] = rule
    return out


def _rule(item: Any, loc: tuple[str | int, ...], issues: list[Issue]) -> Rule | None:
    if not isinstance(item, dict):
        issues.append(Issue("E1462", f"rule {loc[-1]} must be an object", loc))
        return None
    name = item.get("trigger")
    allowed = ", ".join(t.value for t in CUSTOMER_TRIGGERS)
    if name not in {t.value for t in CUSTOMER_TRIGGERS}:
        issues.append(Issue("E1460", f"unknown trigger {name!r}; known: {allowed}", (*loc, "trigger")))
        return None
    trigger = Trigger(name)
    known = SETTINGS.get(trigger, {})
    # a setting another trigger has, sent as null, is absent: the GET answer lists every setting of the schema
    # (null where the trigger has none), so a document read, changed and put back is accepted as it is
    given = {k for k, v in item.items() if v is not None or k not in ALL_SETTINGS}
    for key in sorted(given - {"trigger", "enabled", "channels", *known}):
        issues.append(Issue("E1462", f"{trigger.value} has no setting {key!r}", (*loc, key)))
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        issues.append(Issue("E1462", f"{trigger.value}: enabled must be true or false", (*loc, "enabled")))
    channels = item.get("channels", list(CHANNELS))
    if (
        not isinstance(channels, list)
        or any(c not in CHANNELS for c in channels)
        or len(set(channels)) != len(channels)
    ):
        issues.append(Issue("E1461", f"{trigger.value}: channels must be distinct values of {', '.join(CHANNELS)}, "
                          f"not {channels!r}", (*loc, "channels")))  # fmt: skip
        channels = []
    elif not channels and enabled is True:
        issues.append(Issue("E1461", f"{trigger.value} is enabled on no channel", (*loc, "channels")))
    settings: dict[str, int] = {}
    for key, (_, least, most) in known.items():
        if key not in item:
            continue
        value = item[key]
        if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= most:
            issues.append(Issue("E1462", f"{trigger.value}: {key} must be a whole number from {least} to {most}, "
                                f"not {value!r}", (*loc, key)))  # fmt: skip
        else:
            settings[key] = value
    return Rule(trigger, enabled is True, tuple(channels), settings)


def _quiet(raw: Any, issues: list[Issue]) -> QuietHours | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"start", "end"}:
        shape = 'quiet_hours must be {"start": "HH:MM", "end": "HH:MM"} or null'
        issues.append(Issue("E1463", shape, ("quiet_hours",)))
        return None
    bad = [k for k in ("start", "end") if not isinstance(raw[k], str) or not HHMM.match(raw[k])]
    for k in bad:
        issues.append(Issue("E1463", f"quiet_hours.{k} must be a local time HH:MM, not {raw[k]!r}", ("quiet_hours", k)))
    if bad:
        return None
    start, end = time.fromisoformat(raw["start"]), time.fromisoformat(raw["end"])
    if start == end:
        issues.append(Issue("E1463", "quiet_hours start and end are the same time", ("quiet_hours",)))
        return None
    return QuietHours(start, end)


def _sender(raw: Any, issues: list[Issue]) -> Sender:
    if raw is None:
        return Sender()
    if not isinstance(raw, dict):
        issues.append(Issue("E1464", "sender must be an object {name, logo_url, colour}", ("sender",)))
        return Sender()
    out = Sender()
    for key in sorted(set(raw) - {"name", "logo_url", "colour"}):
        issues.append(Issue("E1464", f"unknown sender field {key!r}", ("sender", key)))
    name = raw.get("name", "")
    if not isinstance(name, str) or len(name) > 100 or any(c in name for c in '\r\n<>"@'):
        issues.append(Issue("E1464", "sender.name must be at most 100 characters, without line breaks, <, >, \" "
                            "or @", ("sender", "name")))  # fmt: skip
    else:
        out = replace(out, name=name.strip())
    logo = raw.get("logo_url", "")
    why = logo_problem(logo) if isinstance(logo, str) else "sender.logo_url must be a string (empty: no logo)"
    if why is not None:
        issues.append(Issue("E1465", f"sender.logo_url: {why}", ("sender", "logo_url")))
    else:
        out = replace(out, logo_url=logo)
    colour = raw.get("colour", DEFAULT_COLOUR)
    if not isinstance(colour, str) or not COLOUR.match(colour):
        issues.append(Issue("E1464", f"sender.colour must be #rrggbb, not {colour!r}", ("sender", "colour")))
    else:
        out = replace(out, colour=colour.lower())
    return out
