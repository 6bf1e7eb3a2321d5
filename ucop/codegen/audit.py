"""What code in an article may do, judged from its syntax tree and shell words, never run.

Three policies, from strict to lenient:

- `generated_python_problems`: a generated example may only import `os` and `httpx`, bind
  names, call `httpx.<method>`, `response.raise_for_status()`, `response.json()`, `print`
  and `float` (for NaN/inf literals), and read `os.environ[...]`;
- `article_python_problems`: any Python block of an article may import only from a list of
  harmless modules (the HTTP clients, json, hmac, hashlib, time, ...), and never calls
  `eval`/`exec`/`open`/`__import__`/`getattr`..., reaches a dunder attribute, or uses `os`
  for more than its environment;
- `shell_problems`: every shell command is `curl` (or `export NAME=value`, or `pip install`
  of packages by name when the caller allows some) with quoted words: no command or process
  substitution, backticks, redirections, subshells, and no curl option that reads or writes
  local files.

`markdown_problems` applies them to every block of an article, in every form and language,
with the checks of `hazards.py` (hosts, local files, sockets, environment, keys).
Each returns a list of problems (short strings); an empty list means the code passes.
"""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Callable

from ucop.codegen.calls import HTTP_METHODS, split_commands
from ucop.codegen.hazards import (
    SAFE_PACKAGES,
    Reach,
    pattern_problems,
    python_reach_problems,
    shell_reach_problems,
)
from ucop.pyparse import parse

GENERATED_CALLS = frozenset(
    {*(f"httpx.{m}" for m in HTTP_METHODS), "httpx.request"}
    | {"response.raise_for_status", "response.json", "print", "float"}
)
GENERATED_ATTRIBUTES = frozenset({"os.environ", "response.status_code"})
GENERATED_IMPORTS = frozenset({"os", "httpx"})

ALLOWED_MODULES = frozenset(
    {
        "__future__", "asyncio", "base64", "collections", "dataclasses", "datetime",
        "decimal", "enum", "functools", "hashlib", "hmac", "httpx", "itertools", "json",
        "logging", "math", "os", "pprint", "random", "re", "requests", "secrets", "string",
        "textwrap", "time", "typing", "uuid", "urllib.parse", "fastapi", "flask",
        "starlette", "pydantic", "aiohttp",
    }
)  # fmt: skip
FORBIDDEN_CALLS = frozenset(
    {
        "eval", "exec", "compile", "__import__", "open", "getattr", "setattr", "delattr",
        "globals", "locals", "vars", "breakpoint", "input", "exit", "quit", "memoryview",
    }
)  # fmt: skip
OS_ALLOWED = frozenset({"environ", "getenv", "path", "sep", "linesep"})

# curl options whose argument is only ever a value (a header, a method, a user agent)
_CURL_PLAIN_ARGUMENT = frozenset({"-H", "--header", "-X", "--request", "-A", "--user-agent"})
# curl options that read or write local files (or load more options from one).
_CURL_FILE_OPTIONS = frozenset(
    {
        "-K", "--config", "-o", "--output", "-O", "--remote-name", "--remote-name-all",
        "-T", "--upload-file", "-c", "--cookie-jar", "-D", "--dump-header", "--trace",
        "--trace-ascii", "--libcurl", "--netrc-file", "-E", "--cert", "--key", "--stderr",
        "--output-dir", "-J", "--remote-header-name",
    }
)  # fmt: skip
_CURL_DATA_FILE = frozenset({"-d", "--data", "--data-binary", "--data-ascii", "--json"})
_NAME_REF = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})")
_EXPORT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)


def generated_python_problems(code: str) -> list[str]:
    """Problems with a generated example: anything beyond the calls the generator writes."""
    try:
        tree = parse(code)
    except (SyntaxError, ValueError) as exc:
        return [f"does not parse: {exc}"]
    problems = []
    for statement in tree.body:
        if not isinstance(statement, (ast.Import, ast.Assign, ast.Expr)):
            kind = type(statement).__name__
            problems.append(f"line {statement.lineno}: unexpected {kind} statement")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            problems += [
                f"line {node.lineno}: imports {a.name}"
                for a in node.names
                if a.name not in GENERATED_IMPORTS or a.asname
            ]
        elif isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name not in GENERATED_CALLS:
                problems.append(f"line {node.lineno}: calls {name or 'an expression'}")
        elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            problems.append(f"line {node.lineno}: assigns to an attribute")
        elif isinstance(node, (ast.Lambda, ast.NamedExpr, ast.Starred, ast.Await)):
            problems.append(f"line {node.lineno}: unexpected {type(node).__name__}")
    problems += _generated_attributes(tree)
    return problems


def _generated_attributes(tree: ast.AST) -> list[str]:
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return [
        f"line {node.lineno}: reads {_dotted(node) or 'an attribute'}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and id(node) not in called
        and _dotted(node) not in GENERATED_ATTRIBUTES
    ]


def article_python_problems(code: str) -> list[str]:
    """Problems with any Python block of an article (the lenient policy; see the module)."""
    try:
        tree = parse(code)
    except (SyntaxError, ValueError) as exc:
        return [f"does not parse: {exc}"]
    os_names = {"os"}
    problems = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 1)
        if isinstance(node, ast.Import):
            for alias in node.names:
                problems += _module_problem(alias.name, line)
                if alias.name == "os" and alias.asname:
                    os_names.add(alias.asname)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            problems += _module_problem(module, line)
            if module == "os":
                problems += [
                    f"line {line}: imports os.{a.name}"
                    for a in node.names
                    if a.name not in OS_ALLOWED
                ]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in FORBIDDEN_CALLS:
                problems.append(f"line {line}: calls {node.func.id}()")
        elif isinstance(node, ast.Attribute):
            problems += _attribute_problem(node, os_names, line)
        elif isinstance(node, ast.Name) and node.id.startswith("__") and node.id != "__name__":
            problems.append(f"line {line}: uses {node.id}")
    return problems


def _module_problem(module: str, line: int) -> list[str]:
    if module in ALLOWED_MODULES or module.split(".")[0] in ALLOWED_MODULES - {"urllib"}:
        return []
    return [f"line {line}: imports {module or 'a relative module'}"]


def _attribute_problem(node: ast.Attribute, os_names: set[str], line: int) -> list[str]:
    if node.attr.startswith("__"):
        return [f"line {line}: reaches {node.attr}"]
    on_os = isinstance(node.value, ast.Name) and node.value.id in os_names
    if on_os and node.attr not in OS_ALLOWED:
        return [f"line {line}: uses os.{node.attr}"]
    return []


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of names, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def shell_problems(
    code: str, *, allow_export: bool = False, packages: frozenset[str] | None = None
) -> list[str]:
    """Problems with a shell block: each command must be curl (or export, or with `packages`
    a `pip install` of those packages by name) with quoted words."""
    problems = [f"line {line}: {p}" for line, p in _expansion_problems(code)]
    for line, command in split_commands(code):
        try:
            words = shlex.split(command, comments=True)
        except ValueError as exc:
            problems.append(f"line {line}: cannot split the command ({exc})")
            continue
        if not words:
            continue
        if allow_export and words[0] == "export" and all(_EXPORT.fullmatch(w) for w in words[1:]):
            continue
        if packages is not None and (wanted := pip_installs(words)) is not None:
            problems += [f"line {line}: {p}" for p in _pip_problems(wanted, packages)]
            continue
        if words[0] != "curl":
            problems.append(f"line {line}: runs {words[0]!r}, not curl")
            continue
        problems += [f"line {line}: {p}" for p in _curl_option_problems(words[1:])]
    return problems


_PIP = (["pip", "install"], ["pip3", "install"])
_PIP_MODULE = ("python", "python3", "py")
_PIP_FLAGS = frozenset({"-U", "--upgrade", "-q", "--quiet", "--user", "--pre"})
_REQUIREMENT = re.compile(
    r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[A-Za-z0-9,._-]+\])?"
    r"(?:(?:==|~=|>=|<=|!=|>|<)[A-Za-z0-9.*+!-]+(?:,(?:==|~=|>=|<=|!=|>|<)[A-Za-z0-9.*+!-]+)*)?"
)
_PIP_LINE = re.compile(r"\bpip3?\s+install\s+([^\n`]+)")


def pip_installs(words: list[str]) -> list[str] | None:
    """The arguments of a `pip install` command (`pip`, `pip3`, `python -m pip`), else None."""
    if words[:2] in _PIP:
        return words[2:]
    if words[:1] and words[0] in _PIP_MODULE and words[1:4] == ["-m", "pip", "install"]:
        return words[4:]
    return None


def package_name(name: str) -> str:
    """PEP 503's normal form: `Lumen_SDK` and `lumen.sdk` are `lumen-sdk`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_packages(text: str) -> frozenset[str]:
    """The packages `text` (docs, sources) shows being installed with `pip install`."""
    found = set()
    for line in _PIP_LINE.findall(text):
        for word in line.split():
            match = _REQUIREMENT.fullmatch(word.strip("'\""))
            if match and not word.startswith("-"):
                found.add(package_name(match.group(1)))
    return frozenset(found)


def _pip_problems(args: list[str], packages: frozenset[str]) -> list[str]:
    """Each argument must be a harmless flag or a package by name that `packages` holds."""
    problems = []
    for word in args:
        if word in _PIP_FLAGS:
            continue
        match = _REQUIREMENT.fullmatch(word)
        if match is None:
            problems.append(f"pip installs {word!r}: only packages by name may be installed")
        elif package_name(match.group(1)) not in packages | SAFE_PACKAGES:
            problems.append(f"pip installs {match.group(1)!r}, which no source shows installing")
    return problems or ([] if args else ["pip install names no package"])


def expanded_variables(code: str) -> set[str]:
    """Names of the variables the shell would expand in `code` (`$NAME`, `${NAME}`)."""
    names: list[str] = []
    _expansion_problems(code, names)
    return set(names)


def _expansion_problems(code: str, names: list[str] | None = None) -> list[tuple[int, str]]:
    """Substitutions, backticks, redirections and subshells outside single quotes."""
    problems: list[tuple[int, str]] = []
    names = [] if names is None else names
    quote, line, i = "", 1, 0
    while i < len(code):
        char = code[i]
        if quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\" and i + 1 < len(code):
            line += code[i + 1] == "\n"
            i += 2
            continue
        elif char in "'\"" and quote in ("", char) and not (char == "'" and quote):
            quote = "" if quote else char
        elif char == "`":
            problems.append((line, "backtick command substitution"))
        elif char == "$":
            ref = _NAME_REF.match(code, i)
            if ref is None:
                problems.append((line, f"shell expansion {code[i : i + 2]!r}"))
            else:
                names.append(ref.group(0).strip("${}"))
        elif not quote and char in "<>()":
            problems.append((line, f"unquoted {char!r} (redirection or subshell)"))
        elif not quote and char == "#" and (i == 0 or code[i - 1].isspace()):
            end = code.find("\n", i)
            i = len(code) if end < 0 else end
            continue
        line += char == "\n"
        i += 1
    return problems


def _curl_option_problems(words: list[str]) -> list[str]:
    problems = []
    for position, word in enumerate(words):
        if position and words[position - 1] in _CURL_PLAIN_ARGUMENT:
            continue  # `-H "-O: x"`: curl reads it as the header, never as an option
        option = word.split("=", 1)[0] if word.startswith("--") else word[:2]
        if word.startswith("-") and option in _CURL_FILE_OPTIONS:
            problems.append(f"curl option {word} reads or writes local files")
        following = words[position + 1] if position + 1 < len(words) else ""
        if word in _CURL_DATA_FILE and following.startswith("@"):
            problems.append(f"curl {word} {following} sends a local file")
        if word in ("-F", "--form") and re.search(r"=[@<](?:.*/|~)", following):
            problems.append(f"curl {word} {following} uploads a file from another folder")
    return problems


def markdown_problems(
    markdown: str, skip: Callable[[str], bool] | None = None, reach: Reach | None = None
) -> list[str]:
    """Every safety problem in the code of an article, in any form, by document line.

    Every block is read: fences with any label or none, indented blocks and `<pre>`/`<code>`
    HTML (see `all_code_blocks`). Python-labelled blocks get the Python policy, shell-like
    labels (bash, powershell, cmd, ...) the curl-only policy, and an unlabelled block the
    policy its first command calls for; every block is also scanned for signs of harm in any
    language. With `reach`, requests must go to the spec's servers and keys only in its auth
    header. Transcripts are judged by what the reader would type (`>>> `, `$ ` prompts).
    Blocks for which `skip(code)` is true (the docs' own code, quoted verbatim) are left out.
    """
    from ucop.codegen.blocks import all_code_blocks

    found = []
    for block in all_code_blocks(markdown):
        if skip is not None and skip(block["code"]):
            continue
        name = block["lang"] or ("unlabelled" if block["form"] == "fence" else block["form"])
        problems = block_problems(block["lang"], block["code"], reach)
        found += [f"{name} block at line {block['line']}: {p}" for p in problems]
    return found


def block_problems(lang: str, code: str, reach: Reach | None = None) -> list[str]:
    """The problems of one block of code labelled `lang` ("" for none); see `markdown_problems`."""
    from ucop.codegen.validate import strip_prompts

    family = _family(lang, code)
    if family == "python":
        code = strip_prompts(code, (">>> ", "... ")) if lang == "pycon" else code
        problems = article_python_problems(code)
        problems += python_reach_problems(code, reach) if reach is not None else []
    elif family == "shell":
        code = strip_prompts(code, ("$ ", "PS> "))
        packages = reach.packages if reach is not None else SAFE_PACKAGES
        problems = shell_problems(code, allow_export=True, packages=packages)
        problems += shell_reach_problems(code, reach) if reach is not None else []
    else:
        problems = []
    return _unique(problems + pattern_problems(code, parsed=family != "other"))


_SHELL_WORDS = frozenset(
    {
        "curl", "wget", "sh", "bash", "zsh", "sudo", "export", "iwr", "irm", "iex", "pip",
        "pip3", "npm", "npx", "rm", "chmod", "echo", "cat", "set", "nc", "ssh", "scp",
        "invoke-webrequest", "invoke-restmethod", "powershell", "pwsh", "cmd", "start",
        "python", "python3", "node", "env", "http", "source", ".", "eval",
    }
)  # fmt: skip


def _family(lang: str, code: str) -> str:
    """python, shell or other: the label's, or for no label, what the code looks like."""
    from ucop.codegen.blocks import SHELL_LIKE
    from ucop.codegen.validate import PYTHON_LANGS

    if lang in PYTHON_LANGS:
        return "python"
    if lang in SHELL_LIKE:
        return "shell"
    if lang:
        return "other"
    first = [ln.strip().removeprefix("$ ").split(" ", 1)[0].lower() for ln in code.splitlines()]
    if any(word in _SHELL_WORDS for word in first if word):
        return "shell"
    if re.search(r"^\s*(?:import|from)\s+\w", code, re.M):
        return "python"
    return "other"


def _unique(problems: list[str]) -> list[str]:
    return list(dict.fromkeys(problems))
