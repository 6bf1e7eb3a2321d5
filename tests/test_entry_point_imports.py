"""Each module an entry point names imports first, on its own, in a fresh interpreter.

`import ucop.agents.code` used to hold that module's import lock while the package loaded its
built-in agents on threads, which waited on the same lock until their timeout: 20 s, and two
built-ins reported as broken plugins.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ucop.plugins import installed

ROOT = Path(__file__).resolve().parents[1]


def _entry_point_modules() -> list[str]:
    """The modules ucop's own entry points name (as installed: pyproject.toml's table)."""
    return sorted({p.target.partition(":")[0] for p in installed() if p.builtin})


def test_the_entry_points_are_read():
    assert {"ucop.agents.code", "ucop.providers.openai"} <= set(_entry_point_modules())


@pytest.mark.parametrize("module", _entry_point_modules())
def test_an_entry_point_module_imports_first_without_a_broken_plugin(module, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "UCOP_PLUGIN_IMPORT_TIMEOUT": "2"}
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "broken" not in done.stderr and not done.stderr.strip(), done.stderr
