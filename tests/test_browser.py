"""The one browser fixture point (tests/browser.py): without Chromium a browser test is skipped with the reason,
and fails where the services are required (CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import browser as browser_module


def test_absent_chromium_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No /usr/bin/chromium and no DOORSTEP_REQUIRE_SERVICES: skipped, saying what to install."""
    monkeypatch.setattr(browser_module, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("DOORSTEP_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        browser_module.require_chromium()


def test_absent_chromium_fails_where_services_are_required(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With DOORSTEP_REQUIRE_SERVICES=1 (CI) a missing browser is a failure, not a silent skip."""
    monkeypatch.setattr(browser_module, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("DOORSTEP_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="not installed"):
        browser_module.require_chromium()


def test_every_browser_test_goes_through_the_fixture() -> None:
    """No test file launches Chromium or Playwright itself: only tests/browser.py does."""
    root = Path(__file__).resolve().parent
    own = [p for p in root.rglob("*.py") if p.name not in ("browser.py", "test_browser.py")]
    offenders = [
        str(p.relative_to(root)) for p in own
        if "sync_playwright" in (text := p.read_text(encoding="utf-8")) or "chromium.launch" in text
        or "/usr/bin/chromium" in text
    ]  # fmt: skip
    assert offenders == []
