"""Bad input: exit 2, one line naming the problem and the fix, no traceback, nothing written."""

from __future__ import annotations

import pytest

from tests.helpers import copy_example, run_cli


def _config(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


def _workflow_config(tmp_path, workflow_text):
    (tmp_path / "wf.yaml").write_text(workflow_text)
    return _config(tmp_path, "workflows:\n  workflow: wf.yaml\n")


def _brief(tmp_path, content: bytes | str):
    brief = copy_example(tmp_path)
    if isinstance(content, bytes):
        brief.write_bytes(content)
    else:
        brief.write_text(content)
    return brief


CASES = {
    "missing brief": (lambda t: ["-i", t / "nope.md"], "file not found"),
    "empty brief": (lambda t: ["-i", _brief(t, "  \n")], "is empty"),
    "binary brief": (lambda t: ["-i", _brief(t, b"\x89PNG\x00\x00\x01")], "binary"),
    "non-UTF-8 brief": (
        lambda t: ["-i", _brief(t, "---\ntitle: caf\xe9\n---\n".encode("latin-1"))],
        "UTF-8",
    ),
    "malformed front matter": (
        lambda t: ["-i", _brief(t, "---\ntitle: [unclosed\n---\nbody")],
        "not valid YAML",
    ),
    "front matter without title": (
        lambda t: ["-i", _brief(t, "---\nsources: {kb: kb/}\n---\nbody")],
        "title",
    ),
    "unknown front matter key": (
        lambda t: ["-i", _brief(t, "---\ntitle: T\ncolour: red\nsources: {kb: kb/}\n---\n")],
        "colour",
    ),
    "missing source folder": (
        lambda t: ["-i", _brief(t, "---\ntitle: T\nsources: {kb: nowhere/}\n---\n")],
        "sources.kb",
    ),
    "config unknown key": (
        lambda t: ["--config", _config(t, "workflows:\n  max_parallel: 3\n")],
        "workflows.max_parallel: unknown key",
    ),
    "config wrong type": (
        lambda t: ["--config", _config(t, "workflows:\n  max_parallel_agents: lots\n")],
        "workflows.max_parallel_agents",
    ),
    "config not yaml": (lambda t: ["--config", _config(t, "workflows: [\n")], "not valid YAML"),
    "config file missing": (lambda t: ["--config", t / "nope.yaml"], "config file not found"),
    "cyclic workflow": (
        lambda t: [
            "--config",
            _workflow_config(
                t,
                "name: w\nagents:\n"
                "  - {name: kb_ingestion, depends_on: [assembly]}\n"
                "  - {name: assembly, depends_on: [kb_ingestion]}\n",
            ),
        ],
        "cycle",
    ),
    "dangling workflow": (
        lambda t: [
            "--config",
            _workflow_config(t, "name: w\nagents:\n  - {name: assembly, depends_on: [ghost]}\n"),
        ],
        "unknown agent 'ghost'",
    ),
    "unknown agent kind": (
        lambda t: ["--config", _workflow_config(t, "name: w\nagents:\n  - {name: poet}\n")],
        "unknown agent 'poet'",
    ),
    "unknown provider": (lambda t: ["--provider", "gpt-magic"], "unknown provider 'gpt-magic'"),
    "max parallel zero": (lambda t: ["--max-parallel", "0"], "max_parallel_agents"),
    "max parallel negative": (lambda t: ["--max-parallel", "-3"], "max_parallel_agents"),
    "max parallel absurd": (lambda t: ["--max-parallel", "100000"], "max_parallel_agents"),
    "output is a file": (lambda t: ["-o", _file(t)], "is a file"),
    "output under a file": (lambda t: ["-o", _file(t) / "sub"], "is a file"),
    "malformed spec": (lambda t: _spec(t, "openapi: 3.0.0\npaths: {\n"), "openapi.yaml"),
    "not an OpenAPI spec": (lambda t: _spec(t, "name: just some yaml\nitems: [1, 2]\n"), "OpenAPI"),
    "unknown site": (lambda t: ["--site", "wordpress"], "output.site"),
    "renamed step": (
        lambda t: ["--config", _renamed_step(t)],
        "reads the output of 'outline_planner'",
    ),
    "unknown input role": (
        lambda t: ["--config", _bound(t, "{poem: kb_ingestion}")],
        "reads.poem: agent 'introduction_writer' has no input 'poem' (outline, kb, blog)",
    ),
    "role bound to no step": (
        lambda t: ["--config", _bound(t, "{outline: my_planner}")],
        "reads.outline: no step named 'my_planner'",
    ),
}


def _bound(tmp_path, reads):
    """The shipped workflow with the introduction writer's inputs bound by `reads`."""
    from ucop.config import default_config_dir

    text = (default_config_dir() / "workflow.yaml").read_text()
    step = "\n  - name: introduction_writer\n"
    return _workflow_config(tmp_path, text.replace(step, f"{step}    reads: {reads}\n"))


def _renamed_step(tmp_path):
    """The shipped workflow with the outline step renamed: the writers still read its old name."""
    from ucop.config import default_config_dir

    text = (default_config_dir() / "workflow.yaml").read_text()
    renamed = text.replace("outline_planner", "planner")
    renamed = renamed.replace("- name: planner\n", "- name: planner\n    agent: outline_planner\n")
    return _workflow_config(tmp_path, renamed)


def _file(tmp_path):
    path = tmp_path / "occupied"
    path.write_text("not a folder")
    return path


def _spec(tmp_path, text):
    brief = copy_example(tmp_path)
    (brief.parent / "openapi.yaml").write_text(text)
    return ["-i", brief]


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_one_clear_line_and_writes_nothing(tmp_path, case):
    make_args, expected = CASES[case]
    out = tmp_path / "out"
    args = make_args(tmp_path)
    base = {"-i": str(copy_example(tmp_path / "default")), "-o": str(out)}
    for flag in ("-i", "-o"):
        if flag in args:
            base.pop(flag)
    argv = ["generate", *[x for kv in base.items() for x in kv], *map(str, args)]
    result = run_cli(*argv)
    assert result.exit_code == 2, (case, result.stderr)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert expected in errors[0], errors[0]
    assert "Traceback" not in result.stderr + result.stdout
    if not str(out).startswith(str(tmp_path / "occupied")):
        assert not out.exists(), f"{case} wrote {list(out.iterdir())}"
