"""What a spec's names may look like before they reach generated code.

Values (examples, server URLs) are always written as literals, whatever they hold. Names are
checked as well, because they become parts of URLs, header lines and Python identifiers:

- a path template is `/` followed by RFC 3986 path characters and `{name}` expressions
  (OpenAPI "Path Templating"), each name made of letters, digits, `_`, `-` and `.`;
- a header name is an RFC 9110 token;
- a query, path or cookie parameter name is printable text without braces or quotes.

Each check returns problems as short strings; an empty list means the name may be used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# RFC 3986 pchar without "%" escapes spelled out: unreserved / sub-delims / ":" / "@".
_PCHAR = r"A-Za-z0-9\-._~!$&'()*+,;=:@"
_TEMPLATE_NAME = r"[A-Za-z0-9_.\-]+"
_SEGMENT = re.compile(rf"(?:[{_PCHAR}]|%[0-9A-Fa-f]{{2}}|\{{{_TEMPLATE_NAME}\}})*")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_PARAM_NAME = re.compile(r"[^\s{}\"'\\`$<>]+")
MAX_NAME = 200


def path_problems(path: str) -> list[str]:
    """Problems with a path template: it must start with `/` and use only path characters."""
    if not path.startswith("/"):
        return [f"path {path!r} does not start with '/'"]
    if len(path) > 2000:
        return ["path is longer than 2000 characters"]
    bad = [seg for seg in path[1:].split("/") if not _SEGMENT.fullmatch(seg)]
    if bad:
        return [f"path {path!r} has characters OpenAPI paths cannot hold (in {bad[0]!r})"]
    return []


def template_names(path: str) -> list[str]:
    """The `{name}` expressions of a path template, in order."""
    return re.findall(r"\{([^{}]+)\}", path)


def parameter_problems(param: Mapping[str, Any]) -> list[str]:
    """Problems with one parameter's name, judged by where it travels (`in`)."""
    name, where = str(param.get("name", "")), str(param.get("in", ""))
    if not name or len(name) > MAX_NAME:
        return [f"{where} parameter has an empty or over-long name"]
    if where == "header":
        ok = bool(_TOKEN.fullmatch(name))
    elif where == "path":
        ok = bool(re.fullmatch(_TEMPLATE_NAME, name))
    else:
        ok = bool(_PARAM_NAME.fullmatch(name)) and name.isprintable()
    return [] if ok else [f"{where} parameter name {name!r} is not a valid {where} name"]


def header_problems(name: str) -> list[str]:
    """Problems with a header name (an RFC 9110 token)."""
    return [] if _TOKEN.fullmatch(name) else [f"header name {name!r} is not a valid token"]


def operation_problems(op: Mapping[str, Any]) -> list[str]:
    """Every problem with an operation's path template and parameter names."""
    problems = path_problems(str(op.get("path", "")))
    for param in op.get("parameters", ()):
        problems += parameter_problems(param)
    return problems


def scheme_problems(scheme: Mapping[str, Any]) -> list[str]:
    """Problems with a security scheme's parameter name (a header or query name)."""
    param = scheme.get("param")
    if scheme.get("type") != "apiKey":
        return []
    if not isinstance(param, str) or not param:
        return ["apiKey scheme has no parameter name"]
    if scheme.get("in") == "header":
        return header_problems(param)
    return parameter_problems({"name": param, "in": scheme.get("in")})
