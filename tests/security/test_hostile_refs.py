"""`$ref`s and source files outside the sources: refused by name, exit 2, nothing read or written.

Covers an absolute-path ref, a `../secret.env` ref, a symlink inside the spec's folder that
points outside it, a remote ref (never fetched: a loopback server counts zero requests), the
`--allow-outside-refs` opt-in, refs into the brief's other named source folders, and the
corpus layout where the spec sits beside the brief's folder (`../petstore/openapi.yaml`).
"""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.security.hostile import LUMEN, all_text
from ucop.errors import SourceError
from ucop.sources import load_openapi

SECRET = "SECRET-FROM-OUTSIDE-THE-SOURCES-4711"


def spec_with_ref(ref: str) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Refs", "version": "1"},
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": ref}}},
                        }
                    },
                }
            }
        },
    }


@pytest.fixture
def layout(tmp_path):
    """tmp/secret.env and tmp/secret.yaml outside; tmp/project/{brief.md,api/,kb/} inside."""
    (tmp_path / "secret.env").write_text(f"OPENAI_API_KEY={SECRET}\n")
    (tmp_path / "secret.yaml").write_text(f"type: object\ndescription: {SECRET}\n")
    project = tmp_path / "project"
    (project / "api").mkdir(parents=True)
    shutil.copytree(LUMEN / "kb", project / "kb")
    return tmp_path


def write(layout: Path, ref: str) -> Path:
    project = layout / "project"
    (project / "api" / "openapi.json").write_text(json.dumps(spec_with_ref(ref)))
    brief = project / "brief.md"
    brief.write_text(
        "---\ntitle: Things\nsources:\n  api: api/openapi.json\n  kb: kb/\n---\nList things.\n"
    )
    return brief


OUTSIDE = {
    "absolute": lambda root: str(root / "secret.yaml"),
    "dotdot": lambda root: "../../secret.yaml",
    "dotdot_env": lambda root: "../../secret.env",
    "encoded": lambda root: "..%2F..%2Fsecret.yaml",
}


@pytest.mark.parametrize("kind", sorted(OUTSIDE))
def test_refs_outside_the_sources_are_refused_naming_the_ref(layout, kind):
    ref = OUTSIDE[kind](layout)
    brief = write(layout, ref)
    with pytest.raises(SourceError) as caught:
        load_openapi(brief.parent / "api" / "openapi.json", brief.parent)
    message = str(caught.value)
    assert f"$ref '{ref}'" in message and "--allow-outside-refs" in message
    assert SECRET not in message and "\n" not in message


def test_generate_refuses_with_exit_2_and_writes_nothing(layout):
    brief = write(layout, "../../secret.yaml")
    out = layout / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "--quiet")
    assert result.exit_code == 2
    assert "$ref '../../secret.yaml' points outside" in result.output
    assert "Traceback" not in result.output and SECRET not in result.output
    assert not out.exists()
    cache = Path.home() / ".cache" / "ucop"
    assert SECRET not in (all_text(cache) if cache.exists() else "")


def test_a_symlink_inside_the_spec_folder_that_escapes_it_is_refused(layout):
    link = layout / "project" / "api" / "common.yaml"
    link.symlink_to(layout / "secret.yaml")
    brief = write(layout, "common.yaml")
    with pytest.raises(SourceError, match=r"\$ref 'common.yaml' points outside"):
        load_openapi(brief.parent / "api" / "openapi.json", brief.parent)


def test_refs_inside_the_spec_folder_and_named_sources_are_followed(layout):
    project = layout / "project"
    (project / "api" / "schemas").mkdir()
    (project / "api" / "schemas" / "thing.yaml").write_text("type: object\ndescription: A thing\n")
    (project / "kb" / "shared.yaml").write_text("type: object\ndescription: From the kb\n")
    spec_file = project / "api" / "openapi.json"
    write(layout, "schemas/thing.yaml")
    assert _schema(load_openapi(spec_file, project))["description"] == "A thing"
    write(layout, "../kb/shared.yaml")
    with pytest.raises(SourceError):  # the kb folder counts only when the brief names it
        load_openapi(spec_file, project)
    spec = load_openapi(spec_file, project, ref_roots=[project / "kb"])
    assert _schema(spec)["description"] == "From the kb"


def test_allow_outside_refs_is_an_explicit_opt_in(layout):
    brief = write(layout, "../../secret.yaml")
    spec = load_openapi(
        brief.parent / "api" / "openapi.json", brief.parent, allow_outside_refs=True
    )
    assert _schema(spec)["description"] == SECRET
    # the spec alone: the Lumen kb's own code calls Lumen paths this one-operation spec lacks
    brief.write_text(brief.read_text().replace("  kb: kb/\n", ""))
    out = layout / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "--quiet", "--allow-outside-refs")
    assert result.exit_code == 0, result.output


def test_remote_refs_are_never_fetched(layout):
    hits: list[str] = []

    class Count(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"type: object\n")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Count)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/schema.yaml"
        for ref in (url, "//127.0.0.1:1/x.yaml"):
            brief = write(layout, ref)
            spec = load_openapi(brief.parent / "api" / "openapi.json", brief.parent)
            assert _schema(spec)["x-unresolved"] == "remote $ref not fetched"
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []


def test_the_bundled_example_and_a_spec_beside_the_brief_folder_still_load(tmp_path):
    """The corpus briefs name `../petstore/openapi.yaml`: the spec's own folder is allowed."""
    briefs = tmp_path / "briefs"
    briefs.mkdir()
    api = tmp_path / "petstore"
    api.mkdir()
    (api / "openapi.yaml").write_text((LUMEN / "openapi.yaml").read_text())
    spec = load_openapi(Path("../petstore/openapi.yaml"), briefs)
    assert len(spec["operations"]) == len(load_openapi(LUMEN / "openapi.yaml", LUMEN)["operations"])


def _schema(spec: dict) -> dict:
    return spec["operations"][0]["responses"][0]["schema"]


@pytest.mark.parametrize("kind", ["kb", "blog"])
def test_a_symlink_in_a_source_folder_that_leads_outside_is_refused(layout, kind):
    project = layout / "project"
    folder = project / kind
    folder.mkdir(exist_ok=True)
    (folder / "leak.md").symlink_to(layout / "secret.env")
    brief = project / "brief.md"
    brief.write_text(f"---\ntitle: Things\nsources:\n  {kind}: {kind}/\n---\nList things.\n")
    out = layout / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "--quiet")
    assert result.exit_code == 2, result.output
    assert f"sources.{kind}: leak.md in" in result.output
    assert "symlink to a file outside" in result.output and SECRET not in result.output
    assert not out.exists()


def test_a_symlink_that_stays_inside_its_folder_is_fine(layout):
    kb = layout / "project" / "kb"
    (kb / "alias.md").symlink_to(kb / "tasks.md")
    brief = layout / "project" / "brief.md"
    brief.write_text("---\ntitle: Tasks\nsources:\n  kb: kb/\n---\nWork with tasks.\n")
    out = layout / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "run.json").read_text())["status"] == "ok"
