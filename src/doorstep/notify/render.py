"""Message templates: one file per trigger and language (``templates/<trigger>.<lang>.txt``) with four sections,
``[subject]``, ``[sms]``, ``[text]`` and ``[html]``, in Jinja2 syntax. A template may use only the variables of
its trigger (``triggers.VARIABLES``): an unknown one is refused (E1133) when the template is checked or loaded,
never discovered as an empty hole in a sent message. HTML is escaped; the other sections are plain text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

from jinja2 import Environment, StrictUndefined, Template, TemplateSyntaxError, meta

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.notify.sms_length import gsm_friendly
from doorstep.notify.triggers import VARIABLES, Trigger, language_for

SECTIONS = ("subject", "sms", "text", "html")
HEADER = re.compile(r"^\[(subject|sms|text|html)\]\s*$", re.MULTILINE)
_PLAIN = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_HTML = Environment(undefined=StrictUndefined, autoescape=True)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for its channel, in the language actually used."""

    language: str
    subject: str
    sms: str
    text: str
    html: str


def split_sections(source: str, name: str = "template") -> dict[str, str]:
    """The four sections of a template file (E1133-style refusal is for variables; a missing section is a
    ValueError: a packaging bug)."""
    parts = HEADER.split(source)
    found = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    missing = [s for s in SECTIONS if s not in found]
    if missing:
        raise ValueError(f"{name}: missing sections {missing}")
    return found


def unknown_by_section(trigger: Trigger, sections: dict[str, str]) -> dict[str, list[str]]:
    """Per section, the variables it uses that its trigger does not offer, sorted (sections without any, and
    sections that do not parse, left out)."""
    out = {}
    for section, text in sections.items():
        env = _HTML if section == "html" else _PLAIN
        try:
            parsed = env.parse(text)
        except TemplateSyntaxError:
            continue
        unknown = sorted(meta.find_undeclared_variables(parsed) - VARIABLES[trigger])
        if unknown:
            out[section] = unknown
    return out


def syntax_errors(sections: dict[str, str]) -> dict[str, str]:
    """Per section that does not parse as Jinja2, why (with the line within the section)."""
    out = {}
    for section, text in sections.items():
        try:
            (_HTML if section == "html" else _PLAIN).parse(text)
        except TemplateSyntaxError as exc:
            out[section] = f"{exc.message} (line {exc.lineno})"
    return out


def unknown_variables(trigger: Trigger, source: str) -> list[str]:
    """Variables a template uses that its trigger does not offer, sorted."""
    used: set[str] = set()
    for section, text in split_sections(source).items():
        env = _HTML if section == "html" else _PLAIN
        used |= meta.find_undeclared_variables(env.parse(text))
    return sorted(used - VARIABLES[trigger])


def unknown_variable(trigger: Trigger, where: str, variable: str, loc: tuple[str | int, ...]) -> Issue:
    """E1133: ``where`` (a template, a section) uses ``variable``, which the trigger does not offer."""
    allowed = ", ".join(sorted(VARIABLES[trigger]))
    msg = f"{where} uses {{{{ {variable} }}}}, unknown for {trigger.value}; allowed: {allowed}"
    return Issue("E1133", msg, loc, variable)


def check_template(trigger: Trigger, source: str, name: str = "template") -> None:
    """Refuse a template that uses a variable its trigger does not offer (E1133, one issue per variable)."""
    unknown = unknown_variables(trigger, source)
    if unknown:
        raise DoorstepError([unknown_variable(trigger, name, v, ("template",)) for v in unknown])


@dataclass(frozen=True, slots=True)
class Compiled:
    """A checked template, compiled once."""

    sections: dict[str, Template]

    def render(self, language: str, variables: dict[str, str]) -> Rendered:
        """Fill in the variables (a missing one is a bug: StrictUndefined raises)."""
        out = {k: t.render(**variables).strip() for k, t in self.sections.items()}
        sms = gsm_friendly(out["sms"])  # an en dash alone made a text UCS-2: twice the parts, twice the bill
        return Rendered(language, out["subject"], sms, out["text"], out["html"])


def compile_template(trigger: Trigger, source: str, name: str = "template") -> Compiled:
    """Check, then compile each section (HTML with autoescaping)."""
    check_template(trigger, source, name)
    sections = split_sections(source, name)
    return Compiled({k: (_HTML if k == "html" else _PLAIN).from_string(v) for k, v in sections.items()})


def packaged_source(trigger: Trigger, language: str) -> str:
    """The text of the template shipped with Doorstep for this trigger and language."""
    name = f"{trigger.value}.{language}.txt"
    return files("doorstep.notify").joinpath("templates", name).read_text(encoding="utf-8")


@cache
def packaged(trigger: Trigger, language: str) -> Compiled:
    """The template shipped with Doorstep for this trigger and language (checked when first loaded)."""
    return compile_template(trigger, packaged_source(trigger, language), f"{trigger.value}.{language}.txt")


@lru_cache(maxsize=512)
def own(trigger: Trigger, source: str) -> Compiled:
    """An organization's template (checked when its rules were saved), compiled once per process."""
    return compile_template(trigger, source, "organization template")


def render(
    trigger: Trigger, language: str, variables: dict[str, str], source: str | None = None
) -> Rendered:
    """The message for a trigger in the customer's language (English when that language has no template), from
    the organization's own template ``source`` when it has one for that language."""
    lang = language_for(language)
    compiled = own(trigger, source) if source is not None else packaged(trigger, lang)
    return compiled.render(lang, variables)
