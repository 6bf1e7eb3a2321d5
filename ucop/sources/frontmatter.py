"""Reading source files: UTF-8 text, YAML front matter, and JSON-safe data.

Every loader in `ucop.sources` reads files through `read_text_file` so that a missing, binary
or mis-encoded file fails the same way: one `SourceError` line naming the file and the fix.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from ucop.errors import SourceError
from ucop.files import read_input_bytes

# Cap on nodes produced from one YAML/JSON document, so alias bombs fail instead of hanging.
MAX_NODES = 1_000_000
# safe_load also raises ValueError (a `2024-13-40` date) and RecursionError (deep nesting).
YAML_ERRORS = (yaml.YAMLError, ValueError, RecursionError, OverflowError)


def read_text_file(path: Path) -> str:
    """Read `path` as UTF-8 (BOM stripped, newlines normalised to `\\n`).

    Raises SourceError when the file is missing, a folder, binary (has a NUL byte) or not UTF-8.
    """
    if not path.exists():
        raise SourceError(f"{path}: file not found — check the path", path=str(path))
    if path.is_dir():
        raise SourceError(f"{path}: is a folder, expected a file — check the path", path=str(path))
    try:
        data = read_input_bytes(path)  # regular files within the size limit only
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SourceError(
            f"{path}: cannot be read ({reason}) — check its permissions", path=str(path)
        ) from exc
    return decode_text(path, data)


def decode_text(path: Path, data: bytes) -> str:
    """`data`, the bytes of `path`, as `read_text_file` gives them; SourceError if binary
    or not UTF-8."""
    if b"\x00" in data:
        raise SourceError(f"{path}: looks binary (has NUL bytes) — use a text file", path=str(path))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(
            f"{path}: line {line} is not valid UTF-8 — re-save the file as UTF-8", path=str(path)
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, *, source: str) -> tuple[dict[str, Any], str]:
    """Split leading YAML (`---`) or TOML (`+++`) front matter from the body.

    Returns `({}, text)` when the text does not start with a `---` line or the block is never
    closed. Values are made JSON-safe (dates become ISO strings, keys become strings).
    """
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    fence = lines[0].strip() if lines else ""
    if fence not in ("---", "+++"):
        return {}, text
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == fence), None)
    if end is None:
        return {}, text
    block = "".join(lines[1:end])
    data = _load_toml(block, source) if fence == "+++" else _load_front_matter(block, source)
    return data, "".join(lines[end + 1 :])


def _load_toml(block: str, source: str) -> dict[str, Any]:
    """TOML front matter between `+++` lines (Hugo, Zola), made JSON-safe."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(block)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(
            f"{source}: front matter is not valid TOML ({exc}) — fix the block between the"
            " +++ lines",
            path=source,
        ) from exc
    return json_safe(data, source=source)


def _load_front_matter(block: str, source: str) -> dict[str, Any]:
    """Parse the YAML between the fences into a JSON-safe mapping."""
    try:
        data = yaml.safe_load(block)
    except YAML_ERRORS as exc:
        raise SourceError(
            f"{source}: front matter is not valid YAML ({yaml_problem(exc, first_line=2)})"
            " — fix the block between the --- lines",
            path=source,
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise SourceError(
            f"{source}: front matter is a {kind}, not a mapping — write `key: value` lines",
            path=source,
        )
    return json_safe(data, source=source)


def yaml_problem(exc: BaseException, *, first_line: int = 1) -> str:
    """Describe a YAML error as `line N: problem`, where the document starts at `first_line`."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    if mark is None:
        return str(problem)
    return f"line {mark.line + first_line}: {problem}"


def json_safe(value: Any, *, source: str) -> Any:
    """Copy YAML-loaded data into plain JSON types (dates → ISO strings, keys → strings).

    Raises SourceError for self-referencing anchors or documents that expand past MAX_NODES.
    """
    budget = [MAX_NODES]
    return _plain(value, source, (), budget)


def _plain(value: Any, source: str, stack: tuple[int, ...], budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise SourceError(
            f"{source}: document expands to too much data — remove YAML aliases", path=source
        )
    if isinstance(value, (dict, list)):
        if id(value) in stack:
            raise SourceError(
                f"{source}: YAML anchor refers to itself — remove the alias", path=source
            )
        inner = (*stack, id(value))
        if isinstance(value, dict):
            return {
                unicode_text(_key(k), source): _plain(v, source, inner, budget)
                for k, v in value.items()
            }
        return [_plain(v, source, inner, budget) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return unicode_text(value, source)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, (set, frozenset)):
        return _plain(sorted(value, key=str), source, stack, budget)
    if isinstance(value, tuple):
        return _plain(list(value), source, stack, budget)
    return str(value)


def unicode_text(text: str, source: str) -> str:
    """`text`, if valid Unicode (a YAML/JSON escape such as `\\udc00` is a lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SourceError(
            f"{source}: a string holds {text[exc.start]!r}, which is not valid Unicode "
            "(a lone surrogate escape) — remove that escape",
            path=source,
        ) from None
    return text


def _key(key: Any) -> str:
    """Mapping keys as strings: YAML `true:` or `2024-01-01:` keys become their text."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, (dt.date, dt.datetime)):
        return key.isoformat()
    return str(key)


def source_path(path: Path, base: Path) -> str:
    """`path` as stored in data: POSIX, relative to `base` (`../docs/a.md` when outside it).

    Only a path on another drive (Windows) stays absolute: stored paths end up in articles,
    and an absolute one names the author's machine.
    """
    resolved = path.resolve()
    try:
        return resolved.relative_to(base.resolve()).as_posix()
    except ValueError:
        pass
    try:
        return Path(os.path.relpath(resolved, base.resolve())).as_posix()
    except ValueError:
        return resolved.as_posix()


def locate(path: Path, base: Path) -> Path:
    """Find a source path: as given (absolute or CWD-relative) if it exists, else under `base`."""
    if path.is_absolute() or path.exists():
        return path
    return base / path
