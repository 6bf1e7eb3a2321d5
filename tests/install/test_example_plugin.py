"""The example plugin installs with pip and adds `--provider stamp`, with nothing else changed.

The plugin is pip-installed (editable, as its README says) into a fresh venv that reaches ucop
and its dependencies through a `.pth` file to the test venv, so it never lands in the venv the
other tests use. Also: a broken plugin is one warning line and everything else still works.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, ROOT

pytestmark = pytest.mark.slow

PLUGIN = ROOT / "examples" / "plugins" / "ucop-stamp"


def _run(args: list, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "UCOP_CONFIG")}
    env["HOME"] = str(tmp / "home")
    env["XDG_CACHE_HOME"] = str(tmp / "home" / ".cache")
    return env


def _fresh_venv(tmp: Path) -> Path:
    """A venv without pip whose packages come first, then the test venv's; returns its python."""
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp, _env(tmp)
    )
    # addsitedir, not a plain path: the test venv's own .pth files (ucop's editable install)
    # must be processed too
    deps = sysconfig.get_paths()["purelib"]
    (Path(site.stdout.strip()) / "deps.pth").write_text(f"import site; site.addsitedir({deps!r})\n")
    return python


def _pip_install(python: Path, *args: object, tmp: Path) -> None:
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", python]
    done = _run(
        [*pip, "install", "--no-deps", "--no-build-isolation", "--no-index", *args], tmp, _env(tmp)
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory) -> Path:
    """A fresh venv after `pip install -e ucop-stamp` (of a copy: the checkout stays clean)."""
    tmp = tmp_path_factory.mktemp("plugin")
    copy = tmp / "ucop-stamp"
    shutil.copytree(PLUGIN, copy, ignore=shutil.ignore_patterns("*.egg-info", "build"))
    python = _fresh_venv(tmp)
    _pip_install(python, "-e", copy, tmp=tmp)
    return python


def test_the_plugin_is_listed_with_its_package(plugin_venv, tmp_path):
    done = _run([plugin_venv, "-m", "ucop", "plugins", "--json"], tmp_path, _env(tmp_path))
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["plugins"]
    providers = {r["name"]: r for r in rows if r["group"] == "ucop.providers"}
    assert providers["stamp"]["package"] == "ucop-stamp"
    assert providers["stamp"]["status"] == "ok"
    assert providers["stamp"]["builtin"] is False
    assert {n for n, r in providers.items() if r["builtin"]} == {
        "anthropic",
        "azure",
        "offline",
        "openai",
    }
    assert done.stderr == ""


def test_generate_with_the_plugin_provider_writes_a_stamped_article(plugin_venv, tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "lumen")
    args = ["-m", "ucop", "generate", "-i", "lumen/brief.md", "-o", "out", "--provider", "stamp"]
    done = _run([plugin_venv, *args, "-q"], tmp_path, _env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    article = tmp_path / "out" / "sync-tasks-in-real-time-with-lumen-webhooks.md"
    text = article.read_text()
    assert text.startswith("---\n")
    # introduction + one stamp per section + conclusion
    sections = json.loads((tmp_path / "out" / "run.json").read_text())
    stamps = text.count("*Stamped draft: written by the ucop-stamp plugin")
    assert stamps >= 3, text[:600]
    assert sections["provider"] == "stamp"


def test_a_broken_plugin_is_one_warning_and_the_rest_works(tmp_path):
    broken = tmp_path / "ucop-broken"
    broken.mkdir()
    (broken / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=70.1"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "ucop-broken"\nversion = "0.0.1"\n'
        '[project.entry-points."ucop.providers"]\nghost = "ucop_broken:SPEC"\n'
        'wrong = "ucop_broken:NOT_A_SPEC"\n'
        '[project.entry-points."ucop.sites"]\nghostsite = "no_such_module:PROFILE"\n'
        "[tool.setuptools]\npy-modules = ['ucop_broken']\n"
    )
    (broken / "ucop_broken.py").write_text("import no_such_dependency\n")
    python = _fresh_venv(tmp_path)
    _pip_install(python, broken, tmp=tmp_path)
    env = _env(tmp_path)
    listed = _run([python, "-m", "ucop", "plugins", "--json"], tmp_path, env)
    assert listed.returncode == 0, listed.stderr
    status = {r["name"]: r["status"] for r in json.loads(listed.stdout)["plugins"]}
    assert status["ghost"] == status["wrong"] == status["ghostsite"] == "broken"
    assert status["offline"] == status["openai"] == status["hugo"] == "ok"
    warnings = listed.stderr.strip().splitlines()
    assert len(warnings) == 3, listed.stderr
    assert all(line.startswith("warning: plugin '") for line in warnings)
    assert "'ghost' (ucop.providers, from ucop-broken)" in listed.stderr
    assert "ModuleNotFoundError" in listed.stderr
    # a run with a built-in provider works and does not even import the broken plugin
    shutil.copytree(EXAMPLE, tmp_path / "lumen")
    done = _run(
        [python, "-m", "ucop", "generate", "-i", "lumen/brief.md", "-o", "out", "-q"], tmp_path, env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in done.stderr
    # asking for the broken one is a usage error with the warning, not a traceback
    bad = _run(
        [
            python,
            "-m",
            "ucop",
            "generate",
            "-i",
            "lumen/brief.md",
            "-o",
            "o2",
            "--provider",
            "ghost",
        ],
        tmp_path,
        env,
    )
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert "Traceback" not in bad.stderr
    assert "warning: plugin 'ghost'" in bad.stderr
    assert "provider 'ghost' could not be loaded" in bad.stderr
    assert not (tmp_path / "o2").exists()
