"""Exit codes and the one error envelope, as the CLI shows them.

0: a plan was made (unassigned orders are listed, not failures) or a check found nothing;
1: internal error (E5001; the traceback goes to a log file, or to stderr with ``--debug``);
2: bad input (DoorstepError: every issue with its code, message and action);
3: ``doorstep check`` found violations.
"""

from __future__ import annotations

import json
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from doorstep.domain.errors import CODES, DoorstepError, Issue

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_VIOLATIONS = 3

err_console = Console(stderr=True)


def print_issues(console: Console, issues: list[Issue], heading: str) -> None:
    """One line per issue: code, message, then the action to take."""
    console.print(f"[bold]{escape(heading)}[/bold]")
    for issue in issues:
        style = "yellow" if issue.code.startswith("W") else "red"
        console.print(f"  [{style}]{issue.code}[/{style}] {escape(issue.message)}")
        console.print(f"        [dim]→ {escape(issue.fix)}[/dim]")


def internal_envelope(log_path: Path | None) -> dict[str, Any]:
    """The E5001 envelope: a generic message, the details stay in the log."""
    title, action = CODES["E5001"]
    if log_path is not None:
        action = f"{action} Log: {log_path}"
    return {"error": {"code": "E5001", "message": title, "action": action, "details": []}}


def _log_traceback() -> Path | None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = Path(tempfile.gettempdir()) / f"doorstep-error-{stamp}.log"
    try:
        path.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        return None
    return path


def guarded(body: Callable[[], int], *, json_out: bool, debug: bool) -> int:
    """Run a command body and map failures to exit codes; the user never sees a raw traceback by default."""
    try:
        return body()
    except DoorstepError as exc:
        if json_out:
            print(json.dumps(exc.envelope(), ensure_ascii=False, indent=2))
        else:
            print_issues(err_console, list(exc.issues), f"Error {exc.code}: {exc.summary()}")
            if exc.warnings:
                print_issues(err_console, list(exc.warnings), "Warnings")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        err_console.print("Interrupted.")
        return 130
    except Exception:
        if debug:
            traceback.print_exc(file=sys.stderr)
        log_path = _log_traceback()
        envelope = internal_envelope(log_path)
        if json_out:
            print(json.dumps(envelope, indent=2))
        else:
            err = envelope["error"]
            err_console.print(
                f"[red]E5001[/red] {escape(err['message'])}\n        [dim]→ {escape(err['action'])}[/dim]"
            )
        return EXIT_INTERNAL
