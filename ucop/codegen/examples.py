"""Deterministic, runnable request examples (Python + httpx, and curl) for one operation.

Both read credentials from environment variables named after the API (`LUMEN_API_TOKEN` for
"Lumen Tasks API"), fill path parameters from the spec's examples and send the example body.
Query parameters shown are the required ones plus optional ones whose schema pins a value
(`default`, `enum` or `example`), so a list call shows `page_size` but not an empty `cursor`.

A spec is someone else's text, so nothing from it is pasted into code: every value reaches
Python as a literal (`py_str`, checked by evaluating it back) and shell as one quoted word
(`shell_word`); names become identifiers made of ASCII letters, digits and `_`. Each example
is audited after it is built (`ucop.codegen.audit`) and refused if it calls anything the
generator does not write itself.
"""

from __future__ import annotations

import json
import keyword
import math
import re
import shlex
from typing import Any
from urllib.parse import quote, urlencode

from ucop.pyparse import literal_eval

FALLBACK_BASE_URL = "https://api.example.com"
# Names the generated script binds or calls itself; a parameter may not shadow them.
_RESERVED = frozenset({"httpx", "os", "response", "params", "payload", "BASE_URL", "print"})
_DOUBLE_QUOTE_SAFE = re.compile(r"[A-Za-z0-9 _.,:/@%+=?&#~\-]*")


class UnsafeExample(ValueError):
    """A generated example failed its own audit; it is left out of the article."""


_SHORTCUT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_NO_BODY_SHORTCUT = ("GET", "DELETE")  # httpx.get()/delete() take no json= or data=


def env_prefix(spec: dict[str, Any]) -> str:
    """Upper-case first word of the API title (`LUMEN` for "Lumen Tasks API"), or `API`."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*", spec.get("title", ""))  # a valid shell name
    return words[0].upper() if words else "API"


def credential_vars(scheme: dict[str, Any] | None, spec: dict[str, Any]) -> list[str]:
    """Environment variables an example reads for `scheme` (none when there is no auth)."""
    if scheme is None:
        return []
    prefix = env_prefix(spec)
    stem = "" if prefix == "API" else f"{prefix}_"
    if scheme["type"] == "apiKey":
        return [f"{stem}API_KEY"]
    if scheme.get("scheme") == "basic" or scheme["type"] == "basic":
        return [f"{stem}USERNAME", f"{stem}PASSWORD"]
    return [f"{stem}API_TOKEN"]


def _scheme(op: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any] | None:
    """The first security scheme that applies to `op`."""
    by_name = {scheme["name"]: scheme for scheme in spec.get("auth", [])}
    return next((by_name[n] for n in op.get("security", []) if n in by_name), None)


def _base_url(spec: dict[str, Any]) -> str:
    """The first server as an http(s) URL (a `file:` or other scheme gets the fallback host)."""
    servers = spec.get("servers") or []
    base = str(servers[0]) if servers else FALLBACK_BASE_URL
    if "://" not in base:
        base = FALLBACK_BASE_URL + (base if base.startswith("/") else "")
    elif not re.match(r"https?://[^\s/]", base, flags=re.IGNORECASE):
        base = FALLBACK_BASE_URL
    return base.rstrip("/")


def _shown_query(op: dict[str, Any]) -> dict[str, Any]:
    shown = {}
    for param in op["parameters"]:
        schema = param.get("schema") or {}
        pinned = any(key in schema for key in ("default", "enum", "example"))
        if (
            param["in"] == "query"
            and (param["required"] or pinned)
            and param["example"] is not None
        ):
            shown[param["name"]] = param["example"]
    return shown


def _path_values(op: dict[str, Any]) -> dict[str, Any]:
    """Example value for every `{name}` in the path (the spec's, else a placeholder)."""
    examples = {p["name"]: p["example"] for p in op["parameters"] if p["in"] == "path"}
    names = re.findall(r"\{([^{}]+)\}", op["path"])
    return {
        name: examples.get(name) if examples.get(name) is not None else "example" for name in names
    }


def _header_params(op: dict[str, Any]) -> dict[str, str]:
    """Required headers and their example values, control characters made spaces.

    HTTP cannot carry them in a header, and a newline would split the header in two.
    """
    return {
        p["name"]: re.sub(r"[\x00-\x1f\x7f]", " ", _query_text(p["example"])).strip()
        for p in op["parameters"]
        if p["in"] == "header" and p["required"] and p["name"].lower() != "authorization"
    }


def _success(op: dict[str, Any]) -> dict[str, Any] | None:
    return next((r for r in op["responses"] if r["status"].startswith("2")), None)


def identifier(name: str) -> str:
    """A Python variable name for a parameter name (`task-id` → `task_id`), ASCII only."""
    ident = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "value"
    if ident[0].isdigit():
        ident = f"_{ident}"
    if keyword.iskeyword(ident) or ident in _RESERVED:
        ident = f"{ident}_"
    return ident


def py_str(text: object) -> str:
    """A double-quoted Python string literal for `text`, whatever characters it holds.

    Backslash and quote are escaped, and every character that is not printable (newlines,
    other controls, line separators, lone surrogates) is written as a `\\x`/`\\u` escape,
    so the literal is always one line. It is checked by evaluating it back.
    """
    value = str(text)
    literal = '"' + _escape_chars(value) + '"'
    if literal_eval(literal) != value:  # cannot happen; refuse rather than emit
        raise UnsafeExample(f"cannot write {value[:40]!r} as a Python literal")
    return literal


def _escape_chars(text: str) -> str:
    out = []
    for char in text:
        if char in '\\"':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
    return "".join(out)


def py_literal(value: Any, level: int = 0) -> str:
    """A Python expression for a JSON value, double-quoted, wrapped when longer than a line."""
    if isinstance(value, (dict, list)) and value:
        flat = _flat_literal(value)
        if len(flat) + 4 * level <= 72:
            return flat
        pad, end = "    " * (level + 1), "    " * level
        if isinstance(value, dict):
            items = [f"{pad}{py_str(k)}: {py_literal(v, level + 1)}," for k, v in value.items()]
            return "{\n" + "\n".join(items) + f"\n{end}}}"
        items = [f"{pad}{py_literal(v, level + 1)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{end}]"
    return _flat_literal(value)


def _flat_literal(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_str(k)}: {_flat_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat_literal(v) for v in value) + "]"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    if isinstance(value, (int, float)):
        return repr(value)
    return py_str(value)


def python_example(op: dict[str, Any], spec: dict[str, Any]) -> str:
    """A runnable httpx script calling `op`, printing the JSON (or status) it gets back."""
    scheme = _scheme(op, spec)
    env = credential_vars(scheme, spec)
    path_params = _path_values(op)
    query, headers, body = _shown_query(op), _header_params(op), op.get("request_body")
    lines = ["import os", ""] if env else []
    lines += ["import httpx", "", f"BASE_URL = {py_str(_base_url(spec))}"]
    lines += [f"{identifier(n)} = {py_literal(_segment(v))}" for n, v in path_params.items()]
    arguments = [_python_url(op["path"])]
    auth_args, header_items, query_items = _python_auth(scheme, env)
    header_items += [f"{py_str(n)}: {py_str(v)}" for n, v in headers.items()]
    query_items += [f"{py_str(n)}: {py_literal(v)}" for n, v in query.items()]
    if header_items:
        arguments.append("headers={" + ", ".join(header_items) + "}")
    if query_items:
        lines.append("params = {" + ", ".join(query_items) + "}")
        arguments.append("params=params")
    arguments += auth_args
    if body:
        lines.append(
            f"payload = {py_literal(body['example'] if body['example'] is not None else {})}"
        )
        arguments.append(f"{_python_body_keyword(body.get('content_type'))}=payload")
    lines += ["", *_python_call(op["method"], arguments, bool(body)), "response.raise_for_status()"]
    success = _success(op)
    json_reply = success is not None and "json" in str(success.get("content_type"))
    lines.append("print(response.json())" if json_reply else "print(response.status_code)")
    return _audited("\n".join(lines) + "\n", "python")


def _audited(code: str, lang: str) -> str:
    """`code` if it calls only what the generator writes; else UnsafeExample."""
    from ucop.codegen.audit import generated_python_problems, shell_problems

    problems = generated_python_problems(code) if lang == "python" else shell_problems(code)
    if problems:
        raise UnsafeExample(f"generated {lang} example refused: {problems[0]}")
    return code


def _segment(value: Any) -> Any:
    """A path value as it must appear in the URL: text percent-encoded (`/`, `#`, `?` too)."""
    return quote(value, safe="") if isinstance(value, str) else value


def _python_url(path: str) -> str:
    """An f-string: the path's literal parts escaped, each `{name}` an identifier."""
    pieces = re.split(r"\{([^{}]+)\}", path)
    out = []
    for position, piece in enumerate(pieces):
        if position % 2:
            out.append("{" + identifier(piece) + "}")
        else:
            out.append(_escape_chars(piece).replace("{", "{{").replace("}", "}}"))
    return 'f"{BASE_URL}' + "".join(out) + '"'


def _python_auth(
    scheme: dict[str, Any] | None, env: list[str]
) -> tuple[list[str], list[str], list[str]]:
    """(extra call arguments, header items, query items) that carry the credentials."""
    if scheme is None:
        return [], [], []
    names = [py_str(name) for name in env]
    if len(env) == 2:
        return [f"auth=(os.environ[{names[0]}], os.environ[{names[1]}])"], [], []
    if scheme["type"] == "apiKey":
        item = f"{py_str(scheme['param'])}: os.environ[{names[0]}]"
        return ([], [], [item]) if scheme["in"] == "query" else ([], [item], [])
    return [], [f'"Authorization": f"Bearer {{os.environ[\'{env[0]}\']}}"'], []


def _python_body_keyword(content_type: str | None) -> str:
    ctype = str(content_type or "application/json")
    if "json" in ctype:
        return "json"
    if "multipart" in ctype:
        return "files"
    return "data" if "form" in ctype else "content"


def _python_call(method: str, arguments: list[str], has_body: bool) -> list[str]:
    if method in _SHORTCUT_METHODS and not (has_body and method in _NO_BODY_SHORTCUT):
        head, args = f"httpx.{method.lower()}(", arguments
    else:
        head, args = "httpx.request(", [py_str(method), *arguments]
    return ["response = " + head, *(f"    {arg}," for arg in args), ")"]


def curl_example(op: dict[str, Any], spec: dict[str, Any]) -> str:
    """A curl command for `op`, credentials read from environment variables."""
    scheme = _scheme(op, spec)
    env = credential_vars(scheme, spec)
    path = op["path"]
    for name, value in _path_values(op).items():
        path = path.replace("{" + name + "}", quote(_query_text(value), safe=""))
    url = _url_word(_base_url(spec) + path, _query_string(op, scheme, env))
    parts = [f"curl -X {shlex.quote(op['method'])} {url}"]
    parts += _curl_auth(scheme, env)
    headers = [f"{name}: {value}" for name, value in _header_params(op).items()]
    parts += [f"-H {shell_word(header)}" for header in headers]
    parts += _curl_body(op.get("request_body"))
    return _audited(" \\\n  ".join(parts) + "\n", "shell")


def shell_word(text: str, variable: str | None = None) -> str:
    """`text` as one shell word that expands to itself, then `$variable` when given.

    Plain text is double-quoted (readable, and nothing in it can expand); anything else is
    single-quoted with `shlex.quote`. `variable` must be a name the generator made.
    """
    if variable is not None and not re.fullmatch(r"[A-Z_][A-Z0-9_]*", variable):
        raise UnsafeExample(f"not a variable name: {variable!r}")
    suffix = f"${variable}" if variable else ""
    if _DOUBLE_QUOTE_SAFE.fullmatch(text) and "\\" not in text:
        return f'"{text}{suffix}"'
    return shlex.quote(text) + (f'"{suffix}"' if suffix else "")


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)


def _query_string(
    op: dict[str, Any], scheme: dict[str, Any] | None, env: list[str]
) -> tuple[str, str, str]:
    """(literal query string, credential parameter, the variable that holds its value)."""
    pairs = [(name, _query_text(value)) for name, value in _shown_query(op).items()]
    literal = urlencode(pairs)
    if scheme is not None and scheme["type"] == "apiKey" and scheme["in"] == "query":
        return literal, quote(str(scheme["param"]), safe=""), env[0]
    return literal, "", ""


def _url_word(url: str, query: tuple[str, str, str]) -> str:
    literal, secret_param, variable = query
    full = url + ("?" + literal if literal else "")
    if not secret_param:
        return shell_word(full)
    return shell_word(full + ("&" if literal else "?") + secret_param + "=", variable)


def _curl_auth(scheme: dict[str, Any] | None, env: list[str]) -> list[str]:
    if scheme is None:
        return []
    if len(env) == 2:
        shell_word("", env[0]), shell_word("", env[1])  # both must be plain names
        return [f'-u "${env[0]}:${env[1]}"']
    if scheme["type"] == "apiKey":
        header = shell_word(f"{scheme['param']}: ", env[0])
        return [f"-H {header}"] if scheme["in"] == "header" else []
    return [f"-H {shell_word('Authorization: Bearer ', env[0])}"]


def _form_field(name: str, value: Any, schema: Any) -> str:
    """`-F name=@name.bin` (upload a file) for binary fields, else a literal `--form-string`.

    curl reads a file for a `-F` value starting with `@` or `<` and parses `;type=`, so text
    from the spec travels as `--form-string`, which takes the value as it is.
    """
    if isinstance(schema, dict) and schema.get("format") == "binary":
        return f"-F {shlex.quote(f'{name}=@{identifier(name)}.bin')}"
    text = f"{name}={_query_text(value)}"
    option = "--form-string" if re.search(r"[=;][@<]|;", text) else "-F"
    return f"{option} {shlex.quote(text)}"


def _curl_body(body: dict[str, Any] | None) -> list[str]:
    if not body:
        return []
    example = body["example"] if body["example"] is not None else {}
    ctype = str(body.get("content_type") or "application/json")
    if "multipart" in ctype and isinstance(example, dict):
        props = (body.get("schema") or {}).get("properties") or {}
        return [_form_field(k, v, props.get(k)) for k, v in example.items()]
    if "json" not in ctype and isinstance(example, dict):
        return [
            f"--data {shlex.quote(urlencode([(k, _query_text(v)) for k, v in example.items()]))}"
        ]
    data = (
        json.dumps(example, indent=2, ensure_ascii=False)
        if "json" in ctype
        else _query_text(example)
    )
    option = "--data" if "json" in ctype else "--data-raw"  # `--data @file` reads a file
    return [f"-H {shell_word('Content-Type: ' + ctype)}", f"{option} {shlex.quote(data)}"]
