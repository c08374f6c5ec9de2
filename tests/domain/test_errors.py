"""The error envelope and the index of codes in docs/errors.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from doorstep.domain.errors import CODES, DoorstepError, Issue, Severity, raise_if_errors

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "errors.md"
ROW = re.compile(r"^\| ([EW]\d{4}) \| (.+?) \| (.+?) \|$")


def test_docs_list_every_code_once_with_its_title_and_action() -> None:
    """docs/errors.md has one table row per registered code, with the same title and default action."""
    rows = [m.groups() for line in DOC.read_text(encoding="utf-8").splitlines() if (m := ROW.match(line))]
    assert [r[0] for r in rows] == list(CODES)
    for code, title, action in rows:
        assert (title, action) == CODES[code]


def test_every_code_is_exercised_by_a_test() -> None:
    """Each code appears in at least one test besides this file (a test that provokes and asserts it)."""
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py") if p.name != "test_errors.py"]
    untested = [code for code in CODES if not any(code in text for text in texts)]
    assert untested == []


def test_codes_are_well_formed() -> None:
    """Codes are E or W plus four digits, in the documented families."""
    for code in CODES:
        assert re.fullmatch(r"[EW][1-5]\d{3}", code), code


def test_unregistered_code_is_refused() -> None:
    """An Issue cannot carry a code missing from the index."""
    with pytest.raises(ValueError, match="unregistered"):
        Issue("E1999", "nope")


def test_envelope_lists_every_issue_and_uses_e1000_for_several() -> None:
    """Several problems: top code E1000 and every one in details with its loc and id."""
    issues = [
        Issue("E1104", "window backwards", ("orders", 0, "time_windows", 0), "ord_a"),
        Issue("E1105", "bad coordinates", ("orders", 3, "location"), "ord_d"),
    ]
    env = DoorstepError(issues).envelope()["error"]
    assert env["code"] == "E1000"
    assert env["action"] == CODES["E1000"][1]
    assert [d["code"] for d in env["details"]] == ["E1104", "E1105"]
    assert env["details"][1]["loc"] == ["orders", 3, "location"]
    assert env["details"][1]["id"] == "ord_d"
    assert "2 problems" in env["message"]


def test_single_issue_envelope_keeps_its_code_and_specific_action() -> None:
    """One problem: its own code, message and (specific) action at the top."""
    issue = Issue("E1109", "ord_x: unknown depot 'dep_z'", ("orders", 0, "depot_id"), "ord_x", action="Use dep_a.")
    env = DoorstepError([issue]).envelope()["error"]
    assert (env["code"], env["message"], env["action"]) == ("E1109", "ord_x: unknown depot 'dep_z'", "Use dep_a.")


def test_warnings_do_not_raise_but_errors_do() -> None:
    """raise_if_errors returns warnings alone and raises with warnings attached when an error is present."""
    warn = Issue("W1201", "far away")
    assert warn.severity is Severity.WARNING
    assert raise_if_errors([warn]) == [warn]
    with pytest.raises(DoorstepError) as exc:
        raise_if_errors([warn, Issue("E1107", "negative")])
    assert exc.value.code == "E1107"
    assert list(exc.value.warnings) == [warn]


def test_an_error_needs_an_issue() -> None:
    """DoorstepError without issues is a programming error."""
    with pytest.raises(ValueError):
        DoorstepError([])
