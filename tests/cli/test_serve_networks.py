"""``doorstep serve`` and ``doorstep worker`` check the network folders they are given before anything starts: a
road network folder that does not exist and a walking network folder holding a car network are both named, each
on one line with its code and what to do, exit 2, no traceback and no server. A folder that is a network but
that OSRM cannot load is refused the same way when the app is built."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from doorstep.cli.main import app as cli


def test_bad_network_folders_are_named_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, monaco_network: Path
) -> None:
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOORSTEP_DATABASE_URL", raising=False)
    monkeypatch.setenv("DOORSTEP_NETWORK", str(tmp_path / "no-such-network"))
    monkeypatch.setenv("DOORSTEP_FOOT_NETWORK", str(monaco_network))  # a car network
    result = CliRunner().invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert [line.split()[:2] for line in lines] == [["E3005", "DOORSTEP_NETWORK"], ["E3006", "DOORSTEP_FOOT_NETWORK"]]
    assert "is a car network, not a walking one → Build one: doorstep network build" in lines[1]
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_network_osrm_cannot_load_is_refused_when_the_app_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, monaco_network: Path
) -> None:
    """Every file of the network is there but one is garbage: the check of network.json passes, OSRM then refuses
    to load it when the app is built: E3007 on one line (after the migration's log lines), exit 2."""
    broken = tmp_path / "broken"
    shutil.copytree(monaco_network, broken)
    (names,) = broken.glob("*.osrm.names")
    names.write_bytes(b"not an OSRM file")
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOORSTEP_DATABASE_URL", raising=False)
    monkeypatch.delenv("DOORSTEP_FOOT_NETWORK", raising=False)
    monkeypatch.setenv("DOORSTEP_NETWORK", str(broken))
    result = CliRunner().invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("E3007 ") and "OSRM cannot load the network" in last, result.output


def test_the_worker_names_a_bad_walking_network_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, monaco_network: Path
) -> None:
    """``doorstep worker`` with a car network as its walking network: E3006 and exit 2 before Celery starts (a
    traceback in each pool process otherwise)."""
    monkeypatch.setenv("DOORSTEP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DOORSTEP_DATABASE_URL", raising=False)
    monkeypatch.delenv("DOORSTEP_NETWORK", raising=False)
    monkeypatch.setenv("DOORSTEP_REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setenv("DOORSTEP_FOOT_NETWORK", str(monaco_network))
    result = CliRunner().invoke(cli, ["worker"])
    assert result.exit_code == 2, result.output
    assert "E3006" in result.output and "DOORSTEP_FOOT_NETWORK" in result.output
