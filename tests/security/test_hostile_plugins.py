"""Installed plugins that misbehave when imported: exit, print, hang, or raise Ctrl-C.

Each is a real distribution on the path (a `.dist-info` folder with entry points, as pip
leaves it) found by a real `python -m ucop`. The attacks: `SystemExit` at import used to
kill every run without a word on which plugin did it; a print made `--json` invalid; an
import that never finished hung every run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import BRIEF

BODIES = {
    "quitter": "raise SystemExit(3)\n",
    "shouter": "print('HELLO FROM A PLUGIN')\n",
    "sleeper": "import time\ntime.sleep(3600)\n",
    "interrupter": "raise KeyboardInterrupt\n",
}


def _install(site: Path, group: str, names: list[str]) -> None:
    """A distribution `ucop-evil` declaring each name in `group`, each its own module."""
    info = site / "ucop_evil-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ucop-evil\nVersion: 1.0\n")
    points = "".join(f"{name} = evil_{name}:THING\n" for name in names)
    (info / "entry_points.txt").write_text(f"[{group}]\n{points}")
    for name in names:
        (site / f"evil_{name}.py").write_text(BODIES[name])


def _ucop(tmp_path: Path, site: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "UCOP_CACHE_DIR": str(tmp_path / "cache"),
        "UCOP_PLUGIN_IMPORT_TIMEOUT": "2",
    }
    argv = [sys.executable, "-m", "ucop", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: plugin ")]


def test_agent_plugins_that_exit_print_hang_or_interrupt_are_named_and_the_run_goes_on(
    tmp_path,
):
    site = tmp_path / "site"
    _install(site, "ucop.agents", list(BODIES))
    out = tmp_path / "out"
    done = _ucop(tmp_path, site, "generate", "-i", str(BRIEF), "-o", str(out), "--json", "-q")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)  # nothing the plugins printed got into it
    assert summary["status"] == "ok"
    assert "HELLO FROM A PLUGIN" in done.stderr
    warned = {line.split("'")[1]: line for line in _warnings(done.stderr)}
    assert set(warned) == {"quitter", "shouter", "sleeper", "interrupter"}
    assert "SystemExit: 3" in warned["quitter"]
    assert "KeyboardInterrupt" in warned["interrupter"]
    assert "did not finish within 2s" in warned["sleeper"]
    assert "(ucop.agents, from ucop-evil)" in warned["quitter"]


def test_a_provider_plugin_that_exits_is_not_imported_by_runs_that_do_not_use_it(tmp_path):
    site = tmp_path / "site"
    _install(site, "ucop.providers", ["quitter", "sleeper"])
    out = tmp_path / "out"
    done = _ucop(tmp_path, site, "generate", "-i", str(BRIEF), "-o", str(out), "--json", "-q")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "ok"
    assert _warnings(done.stderr) == []  # neither was imported
    asked = _ucop(
        tmp_path,
        site,
        "generate",
        "-i",
        str(BRIEF),
        "-o",
        str(tmp_path / "o2"),
        "--provider",
        "quitter",
    )
    assert asked.returncode == 2, asked.stderr
    assert "Traceback" not in asked.stderr
    assert _warnings(asked.stderr) == [
        "warning: plugin 'quitter' (ucop.providers, from ucop-evil) is broken: SystemExit: 3 "
        "- skipped"
    ]
