"""Bad input to `ucop batch` is one line on stderr and exit 2, before anything runs."""

from __future__ import annotations

import sys

import pytest

from tests.batch.conftest import batch, make_briefs, openai_flags


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda tmp: tmp / "missing", "does not exist"),
        (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "holds no *.md brief"),
        (lambda tmp: (tmp / "one.md").write_text("x") and tmp / "one.md", "is a file"),
    ],
    ids=["missing", "empty", "file"],
)
def test_the_briefs_folder_must_hold_briefs(tmp_path, server, setup, message):
    result = batch(setup(tmp_path), "-o", tmp_path / "out", *openai_flags(server))
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert server.count == 0 and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--executor", "fibers"],
            "unknown executor 'fibers' - choose one of: threads, processes, dask, dask-processes",
        ),
        (["--workers", "0"], "--workers 0: must be between 1 and 256"),
        (["--max-requests", "0"], "--max-requests 0: must be between 1 and 256"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --executor dask"),
        (["--provider", "nope"], "unknown provider 'nope'"),
    ],
)
def test_bad_flags_are_usage_errors(tmp_path, server, args, message):
    make_briefs(tmp_path / "briefs", 2)
    result = batch(tmp_path / "briefs", "-o", tmp_path / "out", *openai_flags(server), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert server.count == 0 and not (tmp_path / "out").exists()


def test_a_missing_key_for_a_public_endpoint_stops_the_batch_up_front(tmp_path):
    make_briefs(tmp_path / "briefs", 2)
    result = batch(tmp_path / "briefs", "-o", tmp_path / "out", "--provider", "openai")
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr
    assert not (tmp_path / "out").exists()


def test_output_that_is_a_file_is_refused(tmp_path, server):
    make_briefs(tmp_path / "briefs", 2)
    (tmp_path / "out").write_text("not a folder")
    result = batch(tmp_path / "briefs", "-o", tmp_path / "out", *openai_flags(server))
    assert result.exit_code == 2
    assert "is a file" in result.stderr


def test_dask_without_the_extra_says_how_to_install_it(tmp_path, server, monkeypatch):
    make_briefs(tmp_path / "briefs", 2)
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    result = batch(
        tmp_path / "briefs", "-o", tmp_path / "out", *openai_flags(server), "--executor", "dask"
    )
    assert result.exit_code == 2
    assert "install the dask extra: pip install 'ucop[dask]'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
