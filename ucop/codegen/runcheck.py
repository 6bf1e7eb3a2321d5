"""`--run-code`: run each generated Python example against the spec's stand-in, never the API.

The example is the article's own text with one change: its `BASE_URL` line points at a
`SpecStandIn` on 127.0.0.1. It runs in the sandbox with a minimal environment in which the
credential variables it reads hold a placeholder, never the user's values. The check passes
when the script exits 0 and the stand-in answered at least one request it found valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.codegen.examples import py_str
from ucop.codegen.sandbox import run_python
from ucop.codegen.standin import SpecStandIn

PLACEHOLDER = "ucop-run-code-placeholder"
_BASE_LINE = re.compile(r"^BASE_URL = .*$", re.MULTILINE)
_READS = re.compile(r"os\.environ\[[\"']([A-Za-z_][A-Za-z0-9_]*)[\"']\]")


def pointed_at(code: str, url: str) -> str | None:
    """`code` with its `BASE_URL = ...` line set to `url`; None if it has no such line."""
    new, count = _BASE_LINE.subn(lambda _m: f"BASE_URL = {py_str(url)}", code, count=1)
    return new if count == 1 else None


def example_env(code: str) -> dict[str, str]:
    """Placeholders for every credential variable `code` reads (never the real values)."""
    return {name: PLACEHOLDER for name in sorted(set(_READS.findall(code)))}


def run_examples(
    examples: Sequence[Mapping[str, Any]],
    spec: Mapping[str, Any],
    *,
    first_block: int = 0,
    timeout_s: float = 20.0,
) -> list[dict[str, Any]]:
    """One `run` finding per example (its Python block index is `first_block + 2 * i`)."""
    findings = []
    with SpecStandIn(dict(spec)) as stand_in:
        for position, example in enumerate(examples):
            before = len(stand_in.served)
            ok, message = _run_one(example["python"], stand_in, timeout_s)
            served = stand_in.served[before:]
            if ok and not any(s.status < 300 for s in served):
                ok, message = False, "the example made no valid request to the stand-in"
            findings.append(
                {
                    "block": first_block + 2 * position,
                    "lang": "python",
                    "line": 1,
                    "check": "run",
                    "ok": ok,
                    "message": message,
                    "operation": example["operation"],
                }
            )
    return findings


def _run_one(code: str, stand_in: SpecStandIn, timeout_s: float) -> tuple[bool, str]:
    local = pointed_at(code, stand_in.url)
    if local is None:
        return False, "no BASE_URL line to point at the stand-in"
    outcome = run_python(local, timeout_s=timeout_s, extra_env=example_env(local))
    if outcome["ok"]:
        return True, f"ran against the spec's stand-in on {stand_in.url}"
    refused = [s.problem for s in stand_in.served if s.problem]
    if outcome["timed_out"]:
        return False, f"timed out after {timeout_s:g}s"
    detail = refused[-1] if refused else (outcome["stderr"] or "failed").strip()[-300:]
    return False, f"exit {outcome['returncode']}: {detail}"
