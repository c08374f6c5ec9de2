"""The organization's notification rules: read and replace them (administrators), and the rules a message
writer applies (read inside its own unit of work)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.notify.preview import Preview, preview
from doorstep.notify.render import packaged_source, split_sections
from doorstep.notify.rules import NotifyRules, defaults, from_stored, parse, parse_sender, to_dict
from doorstep.notify.triggers import CUSTOMER_TRIGGERS, LANGUAGES, VARIABLES, Trigger
from doorstep.services.kernel.access import Actor, Permission
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import OrganizationRow
from doorstep.store.repositories import not_found
from doorstep.store.uow import UnitOfWork


def rules_of(uow: UnitOfWork) -> NotifyRules:
    """The rules of the unit's organization (the defaults until an administrator saves some)."""
    row = uow.session.get(OrganizationRow, uow.org_id)
    return from_stored(row.notify_rules) if row is not None else defaults()


def current(p: Platform, actor: Actor) -> dict[str, Any]:
    """The caller's rules as their JSON document (read permission)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        return to_dict(rules_of(uow))


def replace_rules(p: Platform, actor: Actor, doc: Any) -> dict[str, Any]:
    """Validate and store a whole rules document (manage permission; every problem at once, E1460-E1464). A
    trigger the document does not list is off."""
    actor.require(Permission.MANAGE)
    rules = parse(doc)
    stored = to_dict(rules)
    with p.uow(actor) as uow:
        row = uow.session.get(OrganizationRow, actor.org_id)
        if row is None:
            raise not_found("organization", actor.org_id)
        row.notify_rules = stored
        uow.commit()
    return stored


def template_view(p: Platform, actor: Actor, trigger: str, language: str) -> dict[str, Any]:
    """A trigger's wording in a language: the variables it may use, Doorstep's template and the organization's
    own (None when it has none). E1460 for an unknown trigger, E1466 for a language without templates."""
    actor.require(Permission.READ)
    issues = []
    if trigger not in {t.value for t in CUSTOMER_TRIGGERS}:
        issues.append(Issue("E1460", f"unknown trigger {trigger!r}", ("trigger",)))
    if language not in LANGUAGES:
        issues.append(Issue("E1466", f"language must be one of {', '.join(LANGUAGES)}", ("language",)))
    if issues:
        raise DoorstepError(issues)
    t = Trigger(trigger)
    with p.uow(actor) as uow:
        own = rules_of(uow).template(t, language)
    return {
        "trigger": t.value, "language": language, "variables": sorted(VARIABLES[t]),
        "doorstep": split_sections(packaged_source(t, language)), "own": split_sections(own) if own else None,
    }  # fmt: skip


def preview_template(p: Platform, actor: Actor, body: Any) -> Preview:
    """``{"template": {...}, "sender"?: {...}}``: the template filled in with a sample delivery, checked as saving
    it would be (every problem at once, at ``template.<field>``); the sender (as in the rules: E1464, E1465 at
    ``sender.<field>``) defaults to the organization's saved one. Nothing is stored."""
    actor.require(Permission.READ)
    if not isinstance(body, dict) or "template" not in body or set(body) - {"template", "sender"}:
        shape = 'send {"template": {trigger, language, subject, sms, text, html}, "sender"?: {name, logo_url, colour}}'
        raise DoorstepError([Issue("E1466", shape, ())])
    issues: list[Issue] = []
    try:
        given = parse_sender(body["sender"]) if body.get("sender") is not None else None
    except DoorstepError as exc:
        issues += exc.issues
        given = None
    with p.uow(actor) as uow:
        saved = rules_of(uow).sender
    try:
        out = preview(body["template"], given or saved, p.channels.sender_name, p.channels.public_url)
    except DoorstepError as exc:
        issues += [replace(i, loc=("template", *i.loc)) for i in exc.issues]
    if issues:
        raise DoorstepError(issues)
    return out
