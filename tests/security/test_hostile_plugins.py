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


def test_a_run_imports_no_agent_plugin_its_workflow_does_not_name(tmp_path):
    site = tmp_path / "site"
    _install(site, "ucop.agents", list(BODIES))
    out = tmp_path / "out"
    done = _ucop(tmp_path, site, "generate", "-i", str(BRIEF), "-o", str(out), "--json", "-q")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "ok"
    assert "HELLO" not in done.stdout + done.stderr and _warnings(done.stderr) == []


def test_plugins_that_exit_print_hang_or_interrupt_are_each_named_in_one_line(tmp_path):
    """`ucop plugins` imports every plugin: the worst case for containment."""
    site = tmp_path / "site"
    _install(site, "ucop.agents", list(BODIES))
    done = _ucop(tmp_path, site, "plugins", "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)["plugins"]}  # stdout stays JSON
    assert all(rows[name]["status"] == "broken" for name in BODIES)
    assert rows["assembly"]["status"] == "ok"
    assert "HELLO FROM A PLUGIN" in done.stderr
    warned = {line.split("'")[1]: line for line in _warnings(done.stderr)}
    assert set(warned) == set(BODIES)
    assert "SystemExit: 3" in warned["quitter"]
    assert "KeyboardInterrupt" in warned["interrupter"]
    assert "did not finish within 2s" in warned["sleeper"]
    assert "AttributeError" in warned["shouter"]  # it printed, then had no THING
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


def test_a_deferred_plugin_is_imported_on_first_lookup_and_a_broken_one_is_a_usage_error(
    tmp_path, monkeypatch
):
    from ucop import plugins
    from ucop.errors import UsageError
    from ucop.registry import Registry

    marker = tmp_path / "imported"
    (tmp_path / "evil_lazy.py").write_text(f"open({str(marker)!r}, 'w').close()\nTHING = 42\n")
    (tmp_path / "evil_quit.py").write_text(BODIES["quitter"])
    monkeypatch.syspath_prepend(str(tmp_path))
    points = {
        name: plugins.Plugin("ucop.widgets", name, f"evil_{name}:THING", "ucop-evil", "1")
        for name in ("lazy", "quit")
    }
    monkeypatch.setattr(plugins, "discover", lambda group: dict(points))
    registry: Registry[int] = Registry("ucop.widgets", "widget", lambda value: None)
    registry.register("builtin", 1)
    assert "lazy" in registry and sorted(registry) == ["builtin", "lazy", "quit"]
    assert len(registry) == 3 and not marker.exists()  # listed, not imported
    assert registry["lazy"] == 42 and marker.exists()
    with pytest.raises(UsageError, match="widget 'quit' could not be loaded"):
        registry["quit"]
    with pytest.raises(KeyError):
        registry["nothing"]
    with pytest.raises(UsageError, match="unknown widget 'nothing' - choose one of: builtin, lazy"):
        registry["nothing"]
