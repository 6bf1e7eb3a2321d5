"""The opt-in Python runner: scrubbed environment, temp directory, timeout, truncation."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from ucop.codegen import run_python
from ucop.codegen.sandbox import MAX_OUTPUT_CHARS, scrubbed_env

SHOW_ENV = "import os; print(os.environ.get('X_API_KEY', 'absent'), os.environ.get('GREETING'))"


def test_secret_looking_variables_are_stripped():
    env = {"X_API_KEY": "sk-123", "GREETING": "hello", "PATH": os.environ.get("PATH", "")}
    result = run_python(SHOW_ENV, env=env)
    assert result == {
        "ok": True,
        "returncode": 0,
        "stdout": "absent hello\n",
        "stderr": "",
        "timed_out": False,
    }


def test_default_environment_is_minimal(monkeypatch):
    monkeypatch.setenv("X_API_KEY", "sk-123")
    monkeypatch.setenv("GREETING", "hi")
    assert run_python(SHOW_ENV)["stdout"] == "absent None\n"
    names = run_python("import os; print(sorted(os.environ))")["stdout"]
    assert eval(names) == ["HOME", "LANG", "NO_PROXY", "PATH"]  # noqa: S307 - our own output


def test_extra_env_adds_placeholders_only():
    code = "import os; print(os.environ['X_API_KEY'], os.environ.get('GREETING'))"
    result = run_python(code, extra_env={"X_API_KEY": "placeholder"})
    assert result["stdout"] == "placeholder None\n"


def test_ucop_is_not_dumpable_while_a_child_runs():
    from ucop.codegen.sandbox import is_dumpable

    if is_dumpable() is None:
        pytest.skip("prctl is Linux-only")
    assert is_dumpable() is True
    seen = []
    child = threading.Thread(target=run_python, args=("import time; time.sleep(1.5)",))
    child.start()
    while child.is_alive() and not seen:
        if is_dumpable() is False:
            seen.append(False)
        time.sleep(0.01)
    child.join()
    assert seen == [False]
    assert is_dumpable() is True  # restored once the child is gone


def test_scrubbed_env_matches_names_case_insensitively():
    env = {"github_token": "1", "DB_Password": "2", "MY_SECRET_X": "3", "monkey": "4", "HOME": "/h"}
    assert scrubbed_env(env) == {"HOME": "/h"}


def test_infinite_loop_times_out():
    result = run_python("while True:\n    pass\n", timeout_s=0.5)
    assert result["timed_out"] is True
    assert result["ok"] is False
    assert result["returncode"] != 0


def test_failure_reports_returncode_and_stderr():
    result = run_python("import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n")
    assert (result["ok"], result["returncode"], result["stderr"]) == (False, 3, "boom\n")


def test_runs_in_a_fresh_temporary_directory():
    result = run_python("import os\nopen('scratch.txt', 'w').write('x')\nprint(os.getcwd())\n")
    workdir = Path(result["stdout"].strip())
    assert workdir.name.startswith("ucop-run-")
    assert workdir != Path.cwd()
    assert not workdir.exists()


def test_output_is_truncated():
    result = run_python(f"print('x' * {MAX_OUTPUT_CHARS * 3})")
    assert result["ok"] is True
    assert result["stdout"].startswith("x" * MAX_OUTPUT_CHARS + "\n… [output truncated]")
    assert len(result["stdout"]) < MAX_OUTPUT_CHARS + 100


def test_keep_passes_a_chosen_credential_through():
    env = {"X_API_KEY": "sk-123", "GREETING": "hello", "PATH": os.environ.get("PATH", "")}
    assert run_python(SHOW_ENV, env=env, keep={"X_API_KEY"})["stdout"] == "sk-123 hello\n"
