"""Static checks for the code blocks of an article: syntax, and HTTP calls against the spec.

Nothing here executes the code. Python is compiled, JSON and YAML parsed, shell checked with
`bash -n`; HTTP requests found by `ucop.codegen.calls` are matched to the spec's operations.
Each check yields a finding `{"block", "lang", "line", "check", "ok", "message"}`.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import yaml

from ucop.codegen.blocks import extract_code_blocks
from ucop.codegen.calls import HttpCall, python_calls, shell_calls

PYTHON_LANGS = ("python", "py", "python3", "pycon")
SHELL_LANGS = ("bash", "sh", "shell", "console", "curl", "zsh", "shell-session")
_BASH_TIMEOUT_S = 10.0


def validate_markdown(markdown: str, spec: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Findings for every fenced block of `markdown`, in block order."""
    findings: list[dict[str, Any]] = []
    for block in extract_code_blocks(markdown):
        findings.extend(validate_block(block, spec))
    return findings


def validate_block(block: dict[str, Any], spec: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Syntax finding for the block, plus one `request` finding per problem or matched call."""
    lang = str(block.get("lang") or "").lower()
    code = str(block.get("code") or "")
    if lang in PYTHON_LANGS:
        code = strip_prompts(code, (">>> ", "... ")) if lang == "pycon" else code
        problem, calls = _python(code)
    elif lang in SHELL_LANGS:
        code = strip_prompts(code, ("$ ",)) if lang in ("console", "shell-session") else code
        problem = shell_syntax(code, bash=shutil.which("bash"))
        calls = shell_calls(code) if problem is None or problem[1] == "" else []
    elif lang == "json":
        problem, calls = _json(code), []
    elif lang in ("yaml", "yml"):
        problem, calls = _yaml(code), []
    else:
        return [_finding(block, 0, "skipped", True, f"no checks for language {lang or '(none)'!r}")]
    findings = [_syntax_finding(block, problem)]
    if spec is not None:
        for call in calls:
            findings.extend(check_request(call, spec, block))
    return findings


def _finding(
    block: dict[str, Any], offset: int, check: str, ok: bool, message: str
) -> dict[str, Any]:
    line = block.get("line", 0) + offset
    return {
        "block": block.get("index", 0),
        "lang": block.get("lang", ""),
        "line": line,
        "check": check,
        "ok": ok,
        "message": message,
    }


def _syntax_finding(block: dict[str, Any], problem: tuple[int, str] | None) -> dict[str, Any]:
    """`problem` is (line within the code, message), with message "" for a skipped check."""
    if problem is None:
        return _finding(block, 0, "syntax", True, "syntax OK")
    offset, message = problem
    if not message:
        return _finding(block, 0, "syntax", True, "bash not found; shell syntax not checked")
    return _finding(block, offset, "syntax", False, message)


def strip_prompts(code: str, prompts: tuple[str, ...]) -> str:
    """Keep only prompted lines (and their continuations) of a console transcript."""
    lines = code.splitlines()
    if not any(line.startswith(prompts) for line in lines):
        return code
    kept, continuing = [], False
    for line in lines:
        prompt = next((p for p in prompts if line.startswith(p)), None)
        if prompt is not None or continuing:
            kept.append(line[len(prompt) :] if prompt else line)
            continuing = line.rstrip().endswith("\\")
        else:
            kept.append("")  # keep line numbers aligned with the block
    return "\n".join(kept)


def _python(code: str) -> tuple[tuple[int, str] | None, list[HttpCall]]:
    try:
        compile(
            code, "<code block>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
        )
    except SyntaxError as exc:
        return (exc.lineno or 1, f"Python syntax error: {exc.msg} (line {exc.lineno})"), []
    except ValueError as exc:  # e.g. NUL bytes in the source
        return (1, f"Python cannot compile this block: {exc}"), []
    return None, python_calls(code)


def _json(code: str) -> tuple[int, str] | None:
    try:
        json.loads(code)
    except json.JSONDecodeError as exc:
        return exc.lineno, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    return None


def _yaml(code: str) -> tuple[int, str] | None:
    try:
        list(yaml.safe_load_all(code))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return line, f"invalid YAML: {problem} (line {line})"
    except (ValueError, RecursionError) as exc:
        return 1, f"invalid YAML: {exc}"
    return None


def shell_syntax(code: str, *, bash: str | None) -> tuple[int, str] | None:
    """`bash -n` on the code via stdin (parse only). (line, "") when bash is unavailable."""
    if bash is None:
        return 0, ""
    try:
        result = subprocess.run(
            [bash, "-n"], input=code, capture_output=True, text=True, timeout=_BASH_TIMEOUT_S
        )
    except (OSError, subprocess.TimeoutExpired):
        return 0, ""
    if result.returncode == 0:
        return None
    error = result.stderr.strip().splitlines()
    first = error[0] if error else "bash -n failed"
    match = re.search(r"line (\d+):", first)
    line = int(match.group(1)) if match else 1
    message = re.sub(r"^.*?line \d+: ", "", first)
    return line, f"shell syntax error: {message} (line {line})"


def check_request(
    call: HttpCall, spec: dict[str, Any], block: dict[str, Any]
) -> list[dict[str, Any]]:
    """Findings for one HTTP call: path, method, required query parameters and body."""
    index = _operation_index(spec)
    path, _query = _split_url(call.url)
    if path is None or not _is_api_call(call.url, path, spec, index):
        return []
    template = _find_template(path, spec, index)

    def finding(ok: bool, message: str) -> dict[str, Any]:
        return _finding(block, call.line, "request", ok, message)

    if template is None:
        shown = _candidates(path, spec)[0]  # without the server's base path
        close = difflib.get_close_matches(shown, list(index), n=1)
        hint = f" (closest: {close[0]})" if close else ""
        return [finding(False, f"path not in spec: {call.method} {shown}{hint}")]
    operations = index[template]
    if call.method not in operations:
        allowed = ", ".join(operations)
        return [
            finding(False, f"method {call.method} not allowed on {template} (allowed: {allowed})")
        ]
    op = operations[call.method]
    problems = _operation_problems(call, op)
    if problems:
        return [finding(False, p) for p in problems]
    return [finding(True, f"{call.method} {template} matches operation {op['id']}")]


def _operation_problems(call: HttpCall, op: dict[str, Any]) -> list[str]:
    problems = []
    where = f"{op['method']} {op['path']}"
    if call.query is not None:
        required = [p["name"] for p in op["parameters"] if p["in"] == "query" and p["required"]]
        missing = [name for name in required if name not in call.query]
        if missing:
            names = ", ".join(missing)
            problems.append(f"missing required query parameter(s) {names} for {where}")
    body = op.get("request_body")
    if body and body.get("required") and not call.has_body:
        problems.append(f"missing request body: {where} requires a {body.get('content_type')} body")
    return problems


def _operation_index(spec: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    index: dict[str, dict[str, dict[str, Any]]] = {}
    for op in spec.get("operations", []):
        index.setdefault(op["path"], {})[op["method"]] = op
    return index


def _split_url(url: str) -> tuple[str | None, str]:
    """(path, query string) of a URL, a `{BASE}/path` template or a bare `/path`."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        parts = urlsplit(url)
        path, query = parts.path, parts.query
    else:
        rest = re.sub(r"^\{[^{}]*\}", "", url).split("#")[0]
        path, _, query = rest.partition("?")
    if not path.startswith("/"):
        return (None, query) if path else ("/", query)
    path = re.sub(r"/{2,}", "/", path)
    return (path.rstrip("/") or "/"), query


def _is_api_call(url: str, path: str, spec: dict[str, Any], index: dict[str, Any]) -> bool:
    """Absolute URLs must be on a spec server's host; bare paths must start like a spec path."""
    hosts = {urlsplit(s).hostname for s in spec.get("servers", []) if "://" in s}
    if "://" in url:
        return not hosts or urlsplit(url).hostname in hosts
    if url.startswith("{"):
        return True
    firsts = {_first_segment(p) for p in index}
    return any(_first_segment(candidate) in firsts for candidate in _candidates(path, spec))


def _first_segment(path: str) -> str:
    return path.strip("/").split("/")[0]


def _candidates(path: str, spec: dict[str, Any]) -> list[str]:
    """`path` with each server's base path (`/v1`) stripped first, then as written."""
    bases = sorted(
        {urlsplit(s).path.rstrip("/") for s in spec.get("servers", [])}, key=len, reverse=True
    )
    stripped = [
        path[len(b) :] or "/" for b in bases if b and (path == b or path.startswith(b + "/"))
    ]
    return [*stripped, path]


def _find_template(path: str, spec: dict[str, Any], index: dict[str, Any]) -> str | None:
    """The spec path template that matches best (most literal segments), or None."""
    for candidate in _candidates(path, spec):
        scored = [
            (score, t) for t in sorted(index) if (score := _match_score(candidate, t)) is not None
        ]
        if scored:
            return max(scored, key=lambda pair: pair[0])[1]
    return None


def _match_score(path: str, template: str) -> int | None:
    """Number of literal segments matched, or None when `path` does not fit `template`."""
    actual, wanted = path.strip("/").split("/"), template.strip("/").split("/")
    if len(actual) != len(wanted):
        return None
    score = 0
    for seg, pattern in zip(actual, wanted, strict=True):
        if "{" not in pattern:
            if seg != pattern:
                return None
            score += 1
        elif not _is_placeholder(seg) and not re.fullmatch(_segment_regex(pattern), seg):
            return None
    return score


def _is_placeholder(segment: str) -> bool:
    """`{task_id}`, `{TASK_ID}`, `:task_id` or `<task_id>` stand for any value."""
    return bool(re.fullmatch(r"\{[^{}]*\}|:\w+|<[^<>]+>", segment))


def _segment_regex(pattern: str) -> str:
    parts = re.split(r"(\{[^{}]*\})", pattern)
    return "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)


def match_operation(spec: dict[str, Any], method: str, path: str) -> tuple[dict | None, str]:
    """The operation `method path` calls, or (None, why not): for the run-code stand-in."""
    index = _operation_index(spec)
    template = _find_template(re.sub(r"/{2,}", "/", path).rstrip("/") or "/", spec, index)
    if template is None:
        return None, f"path not in spec: {path}"
    if method not in index[template]:
        return None, f"method {method} not allowed on {template}"
    return index[template][method], ""
