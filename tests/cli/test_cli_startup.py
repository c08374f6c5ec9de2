"""The console script starts light: registering the commands imports neither the API, the database layer, the
PDF writer nor the planner — each command imports what it runs when it runs (``benchmarks/cli_startup.py`` times
it). Checked in a fresh interpreter, since this test process has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from doorstep.cli.main import app

HEAVY = (
    "fastapi", "starlette", "sqlalchemy", "alembic", "fpdf", "pyvrp", "celery", "uvicorn", "httpx", "redis", "numpy",
)  # fmt: skip


def modules_after(code: str) -> set[str]:
    """The top-level packages loaded in a fresh interpreter after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_registering_the_commands_imports_nothing_heavy() -> None:
    loaded = modules_after("import doorstep.cli.main")
    assert "typer" in loaded and "doorstep" in loaded  # the probe sees what it imported
    assert sorted(loaded & set(HEAVY)) == []


def test_help_of_every_command_imports_nothing_heavy() -> None:
    """``--help`` of a command reads its options only; the body's imports stay out."""
    code = (
        "from typer.testing import CliRunner\nfrom doorstep.cli.main import app\n"
        "for cmd in (['plan'], ['check'], ['demo'], ['serve'], ['worker'], ['eta-worker'], ['simulate'],"
        " ['db', 'upgrade'], ['org', 'create'], ['network', 'build'], ['network', 'matrix']):\n"
        "    assert CliRunner().invoke(app, [*cmd, '--help']).exit_code == 0, cmd"
    )
    assert sorted(modules_after(code) & set(HEAVY)) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above can fail: what ``plan`` runs (``cli/run.py``) loads the planner."""
    assert "pyvrp" in modules_after("import doorstep.cli.run")


def test_the_root_help_lists_every_command() -> None:
    out = CliRunner().invoke(app, ["--help"]).output
    for name in ("plan", "check", "demo", "schema", "network", "db", "org", "serve", "simulate", "worker"):
        assert name in out
