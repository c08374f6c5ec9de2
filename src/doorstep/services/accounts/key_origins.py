"""The web origins a shop's publishable key may be used from. The key is in every shopper's browser, so anyone can
copy it from the shop's page; with a list, a browser on any other site is refused (E4007, ``api.deps``), as map
providers limit their browser keys by referrer. A request without an ``Origin`` header (not from a browser page,
or a same-origin GET) is not refused: a program can send any header it likes, so the list protects against other
sites' pages, not against scripts, which the per-shopper rate limit bounds."""

from __future__ import annotations

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.web_origin import MAX_ORIGINS, origin_of


def checked(origins: list[str] | None, publishable: bool) -> list[str] | None:
    """The origins as stored (each as a browser writes it, sorted, no repeats), None for any; every problem at
    once: E1301 for a list on a secret key (it is never in a browser) or longer than ``MAX_ORIGINS``, E1309 for
    each entry that is not an origin."""
    if origins is None:
        return None
    if not publishable:
        msg = "origins limit a publishable (checkout) key: a secret key is never used from a web page"
        raise DoorstepError([Issue("E1301", msg, ("origins",))])
    issues = []
    if not origins or len(origins) > MAX_ORIGINS:
        msg = f"give 1 to {MAX_ORIGINS} origins, or null for any origin"
        issues.append(Issue("E1301", msg, ("origins",)))
    found = []
    for k, text in enumerate(origins):
        origin = origin_of(text)
        if origin is None:
            msg = f"{text!r} is not a web origin (scheme and host, and a port when not the default)"
            issues.append(Issue("E1309", msg, ("origins", k)))
        else:
            found.append(origin)
    if issues:
        raise DoorstepError(issues)
    return sorted(set(found))
