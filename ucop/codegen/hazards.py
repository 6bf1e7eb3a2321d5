"""What code may reach: hosts, local files, sockets, the environment and keys.

`audit.py` says which statements a block may contain; this module says where its requests
may go and what they may carry, for code in any language:

- `pattern_problems`: language-agnostic signs of harm in any block (a download piped into
  an interpreter, `iwr ... | iex`, `file://`, a unix socket, the whole environment, a
  well-known secret file, a `@/path` upload);
- `shell_reach_problems` and `python_reach_problems`: the hosts curl and the HTTP clients
  call must be the spec's servers (or loopback and reserved example names), and a key read
  from the environment may travel only in the spec's auth header.

Each returns short problem strings; an empty list means the code passes.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ucop.codegen.calls import python_calls, split_commands
from ucop.pyparse import parse as parse_python
from ucop.redaction import SECRET_NAME

# Names every document may use for a host that is not a real third party (RFC 2606, 6761).
SAFE_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "example.com"})
# Packages an article may tell readers to `pip install` without a source showing it: the HTTP
# clients its examples use. Any other name must be one the docs themselves install (a model
# that names a package nobody publishes sends readers to whoever registers it first).
SAFE_PACKAGES = frozenset({"httpx", "requests", "aiohttp"})
SAFE_SUFFIXES = (".example", ".test", ".localhost", ".invalid", ".example.com", ".example.org",
                 ".example.net")  # fmt: skip
AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), message)
    for pattern, message in (
        (
            r"\|\s*(?:sudo\s+)?(?:sh|bash|zsh|dash|ksh|fish|python[0-9.]*|perl|ruby|node|php"
            r"|iex|invoke-expression|pwsh|powershell|cmd(?:\.exe)?)\b",
            "pipes a download into an interpreter",
        ),
        (
            r"\b(?:iwr|irm|invoke-webrequest|invoke-restmethod|iex|invoke-expression"
            r"|start-process|downloadstring|downloadfile)\b",
            "downloads or runs code (PowerShell)",
        ),
        (r"\bfile:/", "reads a local file (file://)"),
        (
            r"--(?:abstract-)?unix-socket\b|\buds\s*=|\bAF_UNIX\b|\bunix:/|http\+unix:",
            "uses a unix socket",
        ),
        (
            r"dict\(\s*os\.environ\s*\)|os\.environ\.(?:copy|items|keys|values)\b|\*\*os\.environ"
            r"|\bprocess\.env\s*[),;]|\bprintenv\b|\$env:|\benv:\\|\bGet-ChildItem\s+env:"
            r"|\bos\.environ\s*[,)}]|^\s*env\s*(?:\||$)|\bENV\.(?:to_h|to_a|each|inspect)\b"
            r"|%ENV\b|System\.getenv\(\s*\)|os\.Environ\(\)",
            "sends the whole environment",
        ),
        (
            r"/etc/(?:passwd|shadow|hosts)\b|~/\.ssh\b|\.ssh/id_|\.aws/credentials|\.netrc\b"
            r"|\.env\b(?!iron)|\bid_rsa\b|\bid_ed25519\b",
            "reads a local secret file",
        ),
        (
            r"(?:^|\s)(?:-d|--data|--data-binary|--data-ascii|--json|-T|--upload-file)"
            r"(?:\s+|=)?['\"]?@(?!-)",
            "sends a local file",
        ),
        (
            r"(?:^|\s)(?:-F|--form)(?:\s+|=)?['\"]?[\w.-]*=[@<](?:[^\s'\"]*/|~)",
            "uploads a file from another folder",
        ),
        (r"\brm\s+-[a-z]*[rf][a-z]*\s", "deletes files (rm -r/-f)"),
    )
)


@dataclass(frozen=True)
class Reach:
    """Where code may send requests: the spec's server hosts, and its auth header names."""

    hosts: frozenset[str] = frozenset()
    auth_headers: frozenset[str] = field(default_factory=lambda: AUTH_HEADERS)
    packages: frozenset[str] = SAFE_PACKAGES  # what `pip install` may name (canonical names)

    def allows(self, host: str | None) -> bool:
        if not host:
            return True  # a bare path or a {BASE} template: the spec's own server
        host = host.lower().strip("[]")
        return host in self.hosts or host in SAFE_HOSTS or host.endswith(SAFE_SUFFIXES)


def reach_of(spec: dict | None) -> Reach:
    """The hosts of the spec's servers and the header names of its key schemes."""
    if not spec:
        return Reach()
    hosts = {urlsplit(s).hostname for s in spec.get("servers", ()) if "://" in str(s)}
    headers = {
        str(a.get("param", "")).lower()
        for a in spec.get("auth") or ()
        if isinstance(a, dict) and a.get("in") == "header"
    }
    return Reach(frozenset(h for h in hosts if h), AUTH_HEADERS | headers - {""})


def pattern_problems(code: str, parsed: bool = False) -> list[str]:
    """Signs of harm that need no parser: each pattern found, once, by line.

    With `parsed` (Python or shell, whose parsers already judge file access), a secret
    file's name is not a finding by itself: a generated example may send it as a string.
    """
    problems = []
    for pattern, message in _PATTERNS:
        if parsed and message == "reads a local secret file":
            continue
        for number, line in enumerate(code.splitlines(), start=1):
            match = pattern.search(line)
            if match:
                problems.append(f"line {number}: {message} ({match.group(0).strip()})")
                break
    return problems


def url_host(url: str) -> str | None:
    """The host of an absolute URL (also `host/path` without a scheme), else None."""
    url = url.strip().strip("'\"")
    if url.startswith(("/", "{", "$")):
        return None
    if "://" not in url:
        url = "http://" + url
    try:
        return urlsplit(url).hostname
    except ValueError:
        return "(unparseable)"


def shell_reach_problems(code: str, reach: Reach) -> list[str]:
    """curl's hosts, and keys from the environment outside the auth header."""
    problems = []
    for line, command in split_commands(code):
        try:
            words = shlex.split(command, comments=True)
        except ValueError:
            continue
        if not words or words[0] == "export":
            continue
        problems += [f"line {line}: {p}" for p in _curl_reach(words[1:], reach)]
        problems += [f"line {line}: {p}" for p in _shell_secrets(words, reach)]
    return problems


def _curl_reach(words: list[str], reach: Reach) -> list[str]:
    problems, skip = [], False
    for word in words:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in _CURL_VALUE_OPTIONS
            continue
        host = url_host(word) if _URL_WORD.match(word) else None
        if host and not reach.allows(host):
            problems.append(f"reaches {host}, not the spec's servers")
    return problems


_URL_WORD = re.compile(r"^[A-Za-z][\w+.-]*://|^[\w-]+(\.[\w-]+)+")
_CURL_VALUE_OPTIONS = frozenset(
    {
        "-H", "--header", "-d", "--data", "--data-raw", "--data-binary", "--data-ascii",
        "--data-urlencode", "--json", "-F", "--form", "-X", "--request", "-u", "--user",
        "-A", "--user-agent", "-e", "--referer", "-b", "--cookie", "-m", "--max-time",
        "--connect-timeout", "--retry", "-w", "--write-out", "--oauth2-bearer",
    }
)  # fmt: skip


def _shell_secrets(words: list[str], reach: Reach) -> list[str]:
    problems = []
    for position, word in enumerate(words):
        names = [n for n in re.findall(r"\$\{?([A-Za-z_]\w*)", word) if SECRET_NAME.search(n)]
        if not names:
            continue
        previous = words[position - 1] if position else ""
        header = word.split(":", 1)[0].strip().lower() if ":" in word else ""
        in_auth = previous in ("-H", "--header") and header in reach.auth_headers
        in_auth |= previous in ("-u", "--user", "--oauth2-bearer")
        if not in_auth:
            problems.append(f"sends ${names[0]} outside the auth header")
    return problems


def python_reach_problems(code: str, reach: Reach) -> list[str]:
    """Hosts the HTTP calls reach, and keys from the environment sent in a body or URL."""
    try:
        tree = parse_python(code)
        calls = python_calls(code)
    except (SyntaxError, ValueError, RecursionError):
        return []  # the syntax check reports it
    problems = [
        f"line {c.line}: reaches {host}, not the spec's servers"
        for c in calls
        if (host := url_host(c.url)) and not reach.allows(host)
    ]
    secrets = _secret_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            problems += _python_call_secrets(node, secrets)
            problems += _base_url_problems(node, reach)
    return problems


def _secret_names(tree: ast.AST) -> set[str]:
    """Variables bound to a secret-named environment variable (`token = os.environ[...]`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _reads_secret(node.value):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _reads_secret(node: ast.AST) -> bool:
    """`os.environ["X_TOKEN"]`, `os.environ.get("X_TOKEN")` or `os.getenv("X_TOKEN")`."""
    if isinstance(node, ast.Subscript):
        source, name = node.value, node.slice
    elif isinstance(node, ast.Call) and node.args:
        source, name = node.func, node.args[0]
    else:
        return False
    where = ast.unparse(source)
    if where not in ("os.environ", "environ", "os.environ.get", "os.getenv", "getenv"):
        return False
    return isinstance(name, ast.Constant) and bool(SECRET_NAME.search(str(name.value)))


def _python_call_secrets(node: ast.Call, secrets: set[str]) -> list[str]:
    carried = [*node.args, *(k.value for k in node.keywords if k.arg != "headers")]
    problems = []
    for value in carried:
        for inner in ast.walk(value):
            if (isinstance(inner, ast.Name) and inner.id in secrets) or (
                isinstance(inner, (ast.Subscript, ast.Call)) and _reads_secret(inner)
            ):
                what = inner.id if isinstance(inner, ast.Name) else ast.unparse(inner)
                problems.append(f"line {node.lineno}: sends {what} outside the auth header")
                break
    return problems


def _base_url_problems(node: ast.Call, reach: Reach) -> list[str]:
    """`httpx.Client(base_url="https://elsewhere")`: the client's requests all go there."""
    for keyword in node.keywords:
        value = keyword.value
        if keyword.arg == "base_url" and isinstance(value, ast.Constant):
            host = url_host(str(value.value))
            if host and not reach.allows(host):
                return [f"line {node.lineno}: reaches {host}, not the spec's servers"]
    return []
