"""Find the HTTP requests a code sample makes, without running it.

Python is read with `ast` (httpx/requests module functions and any `<client>.get/post/…`
method call); shell is split into commands and each `curl` command parsed with `shlex`.
URLs are resolved from literals, f-strings, `+` concatenation and simple string constants;
parts that cannot be resolved become `{name}` placeholders.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass
from urllib.parse import parse_qs

from ucop.pyparse import parse

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
BODY_KEYWORDS = ("json", "data", "content", "files")
# curl options that send a request body, and other options that take a value.
_CURL_BODY = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json", "-F"}
_CURL_BODY |= {"--form", "--form-string", "--data-urlencode", "-T", "--upload-file"}
_CURL_ARG = {"-H", "--header", "-u", "--user", "-o", "--output", "-w", "--write-out", "-A"}
_CURL_ARG |= {"--user-agent", "-e", "--referer", "-b", "--cookie", "-c", "--cookie-jar", "-m"}
_CURL_ARG |= {"--max-time", "--connect-timeout", "--retry", "--cert", "--key", "--cacert", "-x"}
_CURL_ARG |= {"--proxy", "-r", "--range", "-K", "--config", "--resolve", "--oauth2-bearer"}
_CURL_SHORT_WITH_ARG = "dXHuowAebcmxrKFT"


@dataclass(frozen=True)
class HttpCall:
    """One request found in a sample; `query` is None when its parameters cannot be known."""

    method: str
    url: str
    line: int
    query: frozenset[str] | None
    has_body: bool


def python_calls(code: str) -> list[HttpCall]:
    """HTTP calls in Python source (which must parse); decorators such as `@app.get` are skipped."""
    tree = parse(code)
    strings, dicts = _constants(tree)
    decorators = {
        id(d)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for d in node.decorator_list
    }
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and id(node) not in decorators:
            call = _python_call(node, strings, dicts)
            if call is not None:
                calls.append(call)
    return sorted(calls, key=lambda c: c.line)


def _constants(tree: ast.AST) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Names bound to resolvable strings, and names bound to dicts (with every key set later)."""
    strings: dict[str, str] = {}
    dicts: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        target, value = _assignment(node)
        if isinstance(target, ast.Name) and value is not None:
            text = string_value(value, strings)
            if text is not None:
                strings.setdefault(target.id, text)
            if isinstance(value, ast.Dict):
                dicts.setdefault(target.id, set()).update(_dict_keys(value) or ())
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            key = target.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                dicts.setdefault(target.value.id, set()).add(key.value)
    return strings, dicts


def _assignment(node: ast.AST) -> tuple[ast.expr | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        return node.targets[0], node.value
    if isinstance(node, ast.AnnAssign):
        return node.target, node.value
    return None, None


def _dict_keys(node: ast.Dict) -> set[str] | None:
    """Literal string keys of a dict display; None when a key is computed or `**spread`."""
    keys = set()
    for key in node.keys:
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        keys.add(key.value)
    return keys


def string_value(node: ast.expr, strings: dict[str, str]) -> str | None:
    """The text of a string expression, unknown parts as `{name}`; None if nothing is literal."""
    text = _string_parts(node, strings)
    if text is None or not re.sub(r"\{[^{}]*\}", "", text):
        return None
    return text


def _string_parts(node: ast.expr, strings: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return strings.get(node.id, "{" + node.id + "}")
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                inner = _string_parts(value.value, strings)
                parts.append(inner if inner is not None else "{value}")
            else:
                parts.append(_string_parts(value, strings) or "")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string_parts(node.left, strings), _string_parts(node.right, strings)
        return None if left is None or right is None else left + right
    return None


def _python_call(
    node: ast.Call, strings: dict[str, str], dicts: dict[str, set[str]]
) -> HttpCall | None:
    func = node.func
    if not isinstance(func, ast.Attribute):
        return None
    args = list(node.args)
    kwargs = {kw.arg: kw.value for kw in node.keywords if kw.arg}
    if func.attr in ("request", "stream"):
        method_node = args.pop(0) if args else kwargs.get("method")
        method = method_node.value if isinstance(method_node, ast.Constant) else None
    else:
        method = func.attr if func.attr in HTTP_METHODS else None
    url_node = args[0] if args else kwargs.get("url")
    if not isinstance(method, str) or url_node is None:
        return None
    url = string_value(url_node, strings)
    if url is None or not _looks_like_url(url):
        return None
    query = _python_query(kwargs.get("params"), dicts)
    body = any(name in kwargs for name in BODY_KEYWORDS)
    return HttpCall(method.upper(), url, node.lineno, _with_url_query(query, url), body)


def _python_query(node: ast.expr | None, dicts: dict[str, set[str]]) -> frozenset[str] | None:
    if node is None:
        return frozenset()
    if isinstance(node, ast.Dict):
        keys = _dict_keys(node)
        return frozenset(keys) if keys is not None else None
    if isinstance(node, ast.Name) and node.id in dicts:
        return frozenset(dicts[node.id])
    return None


def _with_url_query(query: frozenset[str] | None, url: str) -> frozenset[str] | None:
    """Add the names in the URL's own `?a=1&b=2` to the known query names."""
    if query is None or "?" not in url:
        return query
    names = parse_qs(url.split("?", 1)[1].split("#")[0], keep_blank_values=True)
    return query | frozenset(names)


def _looks_like_url(text: str) -> bool:
    return bool(re.match(r"^(https?://|/|\{[^{}]*\}/)", text))


def shell_calls(code: str) -> list[HttpCall]:
    """`curl` commands in a shell script (line continuations and multi-line quotes allowed)."""
    calls = []
    for line, command in split_commands(code):
        try:
            words = shlex.split(command, comments=True)
        except ValueError:
            continue
        start = next((i for i, w in enumerate(words) if w == "curl" or w.endswith("/curl")), None)
        if start is not None:
            call = _curl_call(words[start + 1 :], line)
            if call is not None:
                calls.append(call)
    return calls


def split_commands(code: str) -> list[tuple[int, str]]:
    """(1-based line, text) of each command, split at unquoted newlines, `;`, `|` and `&`."""
    commands: list[tuple[int, str]] = []
    current: list[str] = []
    start, line, quote, i = 1, 1, "", 0
    while i < len(code):
        char = code[i]
        if char == "\\" and quote != "'" and i + 1 < len(code):
            pair = code[i : i + 2]
            current.append(" " if pair == "\\\n" else pair)
            line, i = line + pair.count("\n"), i + 2
            continue
        if char == "#" and not quote and (not current or current[-1].isspace()):
            end = code.find("\n", i)
            i = len(code) if end == -1 else end
            continue
        if char in "'\"" and quote in ("", char):
            quote = "" if quote else char
        if char in "\n;|&" and not quote:
            commands.append((start, "".join(current)))
            current, start = [], line + (char == "\n")
        else:
            current.append(char)
        line += char == "\n"
        i += 1
    commands.append((start, "".join(current)))
    return [(n, text) for n, text in commands if text.strip()]


def _curl_call(words: list[str], line: int) -> HttpCall | None:
    """The request one curl command makes: -X, URL, data options, -G and -I."""
    method, url, body, flags = None, None, [], set()
    i = 0
    while i < len(words):
        name, value, used = _curl_option(words, i)
        i += used
        if name in ("-X", "--request"):
            method = value
        elif name in _CURL_BODY:
            body.append(value or "")
        elif name == "--url":
            url = value
        elif name.startswith("-"):
            flags |= _flag_letters(name)
        elif url is None:
            url = name
    if url is None:
        return None
    url = _normalise_shell_url(url)
    get = "G" in flags
    query = _with_url_query(frozenset(_form_names(body)) if get else frozenset(), url)
    default = "HEAD" if "I" in flags else "GET" if get or not body else "POST"
    return HttpCall((method or default).upper(), url, line, query, bool(body) and not get)


def _curl_option(words: list[str], i: int) -> tuple[str, str | None, int]:
    """(option, its value or None, words consumed) at `words[i]`; `-XPOST` and `-sX POST` too."""
    word = words[i]
    following = words[i + 1] if i + 1 < len(words) else None
    if word.startswith("--"):
        takes_value = word in _CURL_ARG or word in _CURL_BODY or word in ("--request", "--url")
        return (word, following, 2) if takes_value else (word, None, 1)
    if word.startswith("-") and len(word) > 1:
        for pos, letter in enumerate(word[1:], start=1):
            if letter in _CURL_SHORT_WITH_ARG:
                rest = word[pos + 1 :]
                return ("-" + letter, rest, 1) if rest else ("-" + letter, following, 2)
    return word, None, 1


def _flag_letters(name: str) -> set[str]:
    """Value-less flags as letters: `-sSG` gives {s, S, G}; `--get`/`--head` give G/I."""
    if name.startswith("--"):
        return {"G"} if name == "--get" else {"I"} if name == "--head" else set()
    return set(name[1:])


def _form_names(values: list[str]) -> list[str]:
    """Parameter names in `-d 'a=1&b=2'` values (used with -G, where data becomes the query)."""
    names = []
    for value in values:
        for part in value.split("&"):
            if "=" in part and not part.startswith("@"):
                names.append(part.split("=", 1)[0])
    return names


def _normalise_shell_url(url: str) -> str:
    """`$VAR`/`${VAR}` become `{VAR}` placeholders; a scheme-less host gets `https://`."""
    url = re.sub(r"\$\{?(\w+)\}?", r"{\1}", url)
    if re.match(r"^[\w.-]+\.[a-z]{2,}(:\d+)?(/|$)", url):
        url = "https://" + url
    return url
