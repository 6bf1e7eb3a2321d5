"""Safe file output: atomic writes, and checks on the output folder before a run starts."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ucop.errors import OutputError
from ucop.redaction import configured_secrets, redact_secrets

RUN_REPORT = "run.json"
TIMELINE = "timeline.svg"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by their owner only; outputs get the usual mode instead.
FILE_MODE = 0o666 & ~_umask()


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place.

    A reader (or a crash) sees either the old file or the whole new one, never half of it.
    Configured secrets are redacted first: this is the backstop for every file ucop writes.
    """
    text = redact_secrets(text, configured_secrets())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def inside(folder: Path, name: str) -> Path:
    """`folder/name`, refusing any name that would land outside `folder`."""
    target = (folder / name).resolve()
    if target.parent != folder.resolve() or name in ("", ".", ".."):
        raise OutputError(f"refusing to write '{name}' outside the output folder {folder}")
    return target


def check_output_dir(folder: Path, *, force: bool, resume: bool) -> None:
    """Fail before the run if the output folder cannot be used or holds an earlier article."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--output {folder} is a file - give a folder path")
    existing = folder if folder.exists() else _nearest_existing(folder)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"--output {folder}: {existing} is not writable - choose another folder")
    if folder.is_dir() and not (force or resume):
        earlier = previous_article(folder)
        if earlier is not None:
            raise OutputError(
                f"--output {folder} already holds an article ({earlier.name}) - "
                "use --force to overwrite it, --resume to continue that run, or another --output"
            )


def previous_article(folder: Path) -> Path | None:
    """The article an earlier run wrote here, if any (named by its run report or by *.md)."""
    import json

    report = folder / RUN_REPORT
    if report.is_file():
        try:
            name = json.loads(report.read_text(encoding="utf-8")).get("article")
        except (OSError, ValueError, AttributeError):
            name = None
        if name and (folder / name).is_file():
            return folder / name
    articles = sorted(folder.glob("*.md"))
    return articles[0] if articles else None


def _nearest_existing(path: Path) -> Path:
    for parent in [path, *path.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"--output {path}: {parent} is a file, not a folder")
            return parent
    return Path.cwd()
