"""Hostile sources for the security battery: a spec written as an attacker would, and a brief.

Every payload that would run creates a file named `PWNED-*` in the folder given as `canary`;
the tests then assert that no such file exists anywhere they look.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LUMEN = ROOT / "examples" / "lumen"


def payloads(canary: Path) -> dict[str, str]:
    """Code in every syntax an example could run: shell, Python, f-string, curl options."""
    touch = f"touch {canary}/PWNED"
    return {
        "shell": f"$({touch}-shell)",
        "backtick": f"`{touch}-backtick`",
        "python": f"\"; import os; os.system('{touch}-python') #",
        "fstring": "{__import__('os').system('" + touch + "-fstring')}",
        "newline": f"x\nimport os\nos.system('{touch}-newline')\n",
        "fence": f"ok\n```\n\n```bash\n{touch}-fence\n```\n",
        "curl_file": "@/etc/passwd",
        "history": "!!",
    }


def hostile_spec(canary: Path) -> dict[str, Any]:
    """An OpenAPI document with payloads in paths, names, examples, summaries and servers."""
    p = payloads(canary)
    good_param = {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": f"Evil\n```bash\n{p['shell']}\n```", "version": "1"},
        "servers": [{"url": "https://api.evil.example/v1"}],
        "components": {
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer"},
                "evil": {"type": "apiKey", "in": "header", "name": f"X-Key{p['shell']}"},
            }
        },
        "security": [{"token": []}],
        "paths": {
            # the only clean operation; every one of its values carries a payload
            "/items/{item_id}": {
                "post": {
                    "operationId": "createItem",
                    "summary": f"Create an item{p['fence']}",
                    "description": f"<script>alert(1)</script>\n## Injected heading\n{p['fence']}",
                    "parameters": [
                        {
                            "name": "item_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "example": p["python"],
                        },
                        {**good_param, "example": p["shell"]},
                        {
                            "name": "X-Trace",
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string"},
                            "example": p["backtick"] + p["newline"],
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "example": {p["fstring"]: p["newline"], "note": p["history"]}
                            }
                        },
                    },
                    "responses": {"201": {"description": "created"}},
                }
            },
            "/form": {
                "post": {
                    "operationId": "uploadForm",
                    "summary": "Upload",
                    "requestBody": {
                        "content": {
                            "multipart/form-data": {
                                "schema": {"type": "object"},
                                "example": {"doc": p["curl_file"], "meta": "<" + "/etc/hostname"},
                            }
                        }
                    },
                    "responses": {"204": {"description": "ok"}},
                }
            },
            # operations whose names cannot be made safe: each must be left out, by name
            f"/shell/{p['shell']}": {"get": _op("injectedPath")},
            "/newline/{id}\n/x": {"get": _op("newlinePath")},
            "/quote/it's\"here": {"get": _op("quotedPath")},
            "/name/{a}": {
                "get": _op(
                    "badQueryName",
                    {"name": "a", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": f"q{p['python']}", "in": "query", "required": True},
                )
            },
            "/header": {
                "get": _op(
                    "badHeaderName",
                    {"name": f"X-H{p['shell']}", "in": "header", "required": True},
                )
            },
            "/path-name/{id}": {
                "get": _op(
                    "badPathName",
                    {"name": "id');os.system('x", "in": "path", "required": True},
                )
            },
        },
    }


def _op(op_id: str, *params: dict[str, Any]) -> dict[str, Any]:
    return {
        "operationId": op_id,
        "summary": op_id,
        "parameters": list(params),
        "responses": {"200": {"description": "ok"}},
    }


REFUSED = ("injectedPath", "newlinePath", "quotedPath", "badQueryName", "badHeaderName")
REFUSED += ("badPathName",)


def write_project(folder: Path, spec: dict[str, Any], *, kb: bool = True) -> Path:
    """A brief with the lumen knowledge base and `spec`; returns the brief's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "openapi.json").write_text(json.dumps(spec), encoding="utf-8")
    sources = "  api: openapi.json\n"
    if kb:
        shutil.copytree(LUMEN / "kb", folder / "kb", dirs_exist_ok=True)
        sources += "  kb: kb/\n"
    brief = folder / "brief.md"
    brief.write_text(
        "---\n"
        'title: "Items with the Evil API"\n'
        'audience: "Backend developers"\n'
        "sections: 3\n"
        f"sources:\n{sources}"
        "---\n"
        "Create items and upload forms with the API.\n",
        encoding="utf-8",
    )
    return brief


def pwned(*folders: Path) -> list[Path]:
    """Every canary file a payload created."""
    return [f for folder in folders for f in folder.glob("PWNED*")]


def all_text(*folders: Path) -> str:
    """The text of every file under `folders` (what a key search must cover)."""
    texts = []
    for folder in folders:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                texts.append(file.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)
