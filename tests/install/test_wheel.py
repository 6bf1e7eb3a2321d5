"""The wheel, installed the way users install it, works from any folder.

Builds the wheel from a copy of the sources, installs it with pip into a fresh venv outside the
checkout, and runs the `ucop` script of that venv from an empty folder. The dependencies come
from the test venv through a `.pth` file (no network); ucop itself must come from the wheel.
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


def _run(args: list, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _build_wheel(tmp: Path) -> Path:
    """`pip wheel` on a clean copy of the sources (a stale build/ folder cannot leak in)."""
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "ucop", src / "ucop", ignore=ignore)
    shutil.copytree(ROOT / "config", src / "config", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    dist = tmp / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    done = _run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, src],
        tmp,
        dict(os.environ),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    wheels = list(dist.glob("ucop-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; returns its bin folder."""
    tmp = tmp_path_factory.mktemp("install")
    wheel = _build_wheel(tmp)
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", python]
    done = _run([*pip, "install", "--no-deps", "--no-index", wheel], tmp, dict(os.environ))
    assert done.returncode == 0, done.stdout + done.stderr
    site = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            tmp,
            dict(os.environ),
        ).stdout.strip()
    )
    # the dependencies, without network: the test venv's site-packages, after the new venv's own
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir / "bin"


def test_the_wheel_ships_config_as_ucop_defaults_and_every_package(tmp_path):
    """config/ at the top of the checkout is the one copy of the defaults: the wheel holds it
    byte for byte as ucop/defaults/, and every package folder of ucop/ is in the wheel."""
    import zipfile

    wheel = zipfile.ZipFile(_build_wheel(tmp_path))
    names = set(wheel.namelist())
    shipped = {
        f"ucop/defaults/{p.relative_to(ROOT / 'config').as_posix()}"
        for p in (ROOT / "config").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped and shipped <= names, sorted(shipped - names)
    packages = {
        f"{p.parent.relative_to(ROOT).as_posix()}/__init__.py"
        for p in (ROOT / "ucop").rglob("__init__.py")
    }
    assert packages <= names, sorted(packages - names)
    assert wheel.read("ucop/defaults/main.yaml") == (ROOT / "config" / "main.yaml").read_bytes()


@pytest.fixture
def user_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "UCOP_CONFIG")}
    env["HOME"] = str(tmp_path / "home")
    env["XDG_CACHE_HOME"] = str(tmp_path / "home" / ".cache")
    return env


def test_ucop_is_imported_from_the_wheel_not_the_checkout(installed, tmp_path, user_env):
    where = _run(
        [installed / "python", "-c", "import ucop, ucop.defaults; print(ucop.__file__)"],
        tmp_path,
        user_env,
    )
    assert where.returncode == 0, where.stderr
    path = Path(where.stdout.strip())
    assert path.is_relative_to(installed.parent), path
    assert not path.is_relative_to(ROOT)


def test_verify_from_an_empty_folder(installed, tmp_path, user_env):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _run([installed / "ucop", "verify"], empty, user_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ALL CHECKS PASSED" in done.stdout
    shipped = _run([installed / "ucop", "verify", "--json"], empty, user_env)
    config = json.loads(shipped.stdout)["checks"][0]["detail"]
    assert Path(config).is_relative_to(installed.parent), config  # the wheel's shipped config
    assert list(empty.iterdir()) == []


def test_plan_and_generate_on_a_copy_of_the_example(installed, tmp_path, user_env):
    work = tmp_path / "work"
    shutil.copytree(EXAMPLE, work / "lumen")
    plan = _run([installed / "ucop", "plan", "-i", "lumen/brief.md", "--json"], work, user_env)
    assert plan.returncode == 0, plan.stderr
    assert '"model_calls"' in plan.stdout
    # the price table is package data too: a cost estimate needs it
    priced = _run(
        [installed / "ucop", "plan", "-i", "lumen/brief.md", "--json", "--provider", "openai"]
        + ["--model", "gpt-4o-mini"],
        work,
        user_env,
    )
    assert priced.returncode == 0, priced.stderr
    usage = json.loads(priced.stdout)["usage"]
    assert usage["calls"] == 8 and usage["cost"] > 0 and usage["price_per_mtok"]["input"] > 0
    done = _run(
        [installed / "ucop", "generate", "-i", "lumen/brief.md", "-o", "out"], work, user_env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    article = work / "out" / "sync-tasks-in-real-time-with-lumen-webhooks.md"
    assert article.is_file()
    assert article.read_text().startswith("---\n")
    assert sorted(p.name for p in (work / "out").iterdir()) == [
        "run.json",
        "sync-tasks-in-real-time-with-lumen-webhooks.md",
        "timeline.svg",
    ]


def test_init_then_generate_with_the_copy(installed, tmp_path, user_env):
    done = _run([installed / "ucop", "init", "starter"], tmp_path, user_env)
    assert done.returncode == 0, done.stderr
    starter = tmp_path / "starter"
    verify = _run([installed / "ucop", "verify", "--json"], starter, user_env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    checks = {c["name"]: c for c in json.loads(verify.stdout)["checks"]}
    assert checks["config is valid"]["detail"] == str(starter / "config" / "main.yaml")
    # the copy's prompts come first: editing them changes the next run
    prompts = checks["prompt templates parse"]["detail"].split(", ")
    assert prompts[0] == str(starter / "config" / "prompts")
    done = _run(
        [installed / "ucop", "generate", "-i", "brief.md", "-o", "out", "-q"], starter, user_env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (starter / "out" / "store-and-fetch-notes-with-the-notes-api.md").is_file()
