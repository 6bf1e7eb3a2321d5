"""Safe file output: atomic writes, checks on the output folder before a run starts, and
where the cache lives (`default_cache_dir`: the resume cache and the source indexes share it)."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

from ucop.errors import OutputError, SourceError, WriteFailed
from ucop.redaction import configured_secrets, redact_secrets

# Briefs, config files, knowledge-base documents, blog posts and API specs: each at most this big.
MAX_INPUT_BYTES = 10 * 1024 * 1024
RUN_REPORT = "run.json"
LOCK_FILE = ".ucop.lock"
TIMELINE = "timeline.svg"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp creates files readable by their owner only; outputs get the usual mode instead.
FILE_MODE = 0o666 & ~_umask()


@contextlib.contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold `folder` for one run: a second run into the same folder is refused (exit 2).

    Creates the folder if needed and removes temporary files an earlier, killed ucop run left
    there (only ucop's own: see `TMP_PREFIX`). On the way out the lock file goes, and so does
    the folder if this run created it and wrote nothing into it (an interrupted run, bad input
    found mid-run). The lock is never followed through a link: a planted `.ucop.lock` symlink
    or hard link, or a file ucop did not write, is refused instead of truncated.
    """
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--output {folder}: cannot create it ({exc.strerror})") from None
    lock = folder / LOCK_FILE
    handle = _acquire(lock, folder)
    try:
        _remove_stale_temporaries(folder)  # we hold the lock: no other run is writing them
        yield
    finally:
        if _same_file(handle, lock):
            lock.unlink(missing_ok=True)
        handle.close()
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only succeeds when empty


# ucop's temporary files: `.ucop-<pid>-<name>.<random>.tmp`, so a user's own `.*.tmp` is never
# taken for one, and a file of a run that is still alive is left alone.
TMP_PREFIX = ".ucop-"
_OUR_TMP = re.compile(r"^\.ucop-(\d+)-.+\.tmp$")


def temporary_prefix(name: str) -> str:
    """The prefix of this process's temporary files for `name` (see `_remove_stale_temporaries`)."""
    return f"{TMP_PREFIX}{os.getpid()}-{name}."


def _remove_stale_temporaries(folder: Path) -> None:
    for entry in os.scandir(folder):
        match = _OUR_TMP.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False) or _alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.stat(follow_symlinks=False).st_uid == os.geteuid():
                os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours from before this run cannot exist; nothing is written yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # exists (another user's), or cannot tell: leave it
    return True


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_MAX_LOCK_BYTES = 32  # a PID and nothing else


def _open_lock(lock: Path, folder: Path) -> IO[str]:
    """Open (or create) the lock file itself, never what a link points at."""
    flags = os.O_RDWR | os.O_CREAT | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(lock, flags | getattr(os, "O_NONBLOCK", 0), 0o644)
    except OSError as exc:
        if lock.is_symlink() or exc.errno == errno.ELOOP:
            raise OutputError(_not_ours(folder, "is a symbolic link")) from None
        raise OutputError(f"--output {folder}: cannot open {LOCK_FILE} ({exc.strerror})") from None
    info = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = "is not a regular file"
    elif info.st_nlink != 1:
        problem = "has other hard links"
    elif hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        problem = "belongs to another user"
    elif info.st_size > _MAX_LOCK_BYTES or not _holds_a_pid(fd):
        problem = "holds something other than a ucop run's PID"
    if problem:
        os.close(fd)
        raise OutputError(_not_ours(folder, problem))
    return os.fdopen(fd, "r+", encoding="utf-8")


def _holds_a_pid(fd: int) -> bool:
    """An empty file (just created) or one that holds a PID, as every ucop lock does."""
    data = os.read(fd, _MAX_LOCK_BYTES + 1).strip()
    os.lseek(fd, 0, os.SEEK_SET)
    return not data or data.isdigit()


def _not_ours(folder: Path, problem: str) -> str:
    return (
        f"--output {folder}: {LOCK_FILE} {problem} - ucop did not make it and will not "
        "write through it; remove it or choose another --output"
    )


def _same_file(handle: IO[str], lock: Path) -> bool:
    """Whether `lock` (not followed) is still the file `handle` has open."""
    try:
        there = os.stat(lock, follow_symlinks=False)
    except FileNotFoundError:
        return False
    here = os.fstat(handle.fileno())
    return (there.st_ino, there.st_dev) == (here.st_ino, here.st_dev)


def _acquire(lock: Path, folder: Path) -> IO[str]:
    try:
        import fcntl
    except ImportError:  # no flock (Windows): runs are not guarded against each other
        return _open_lock(lock, folder)
    while True:
        handle = _open_lock(lock, folder)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise OutputError(
                f"--output {folder}: another ucop run (pid {holder}) is writing there - "
                "wait for it to finish or choose another --output"
            ) from None
        if _same_file(handle, lock):  # not a file the previous holder unlinked meanwhile
            handle.truncate(0)
            handle.write(str(os.getpid()))
            handle.flush()
            return handle
        handle.close()


def read_input_bytes(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else fails at once.

    Opened without blocking and checked before reading, so a FIFO, `/dev/zero` or a device is
    refused instead of hanging or filling memory. Raises SourceError (exit 2) or OSError.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(
                f"{path}: is not a regular file (a pipe, device or socket) - give a file",
                path=str(path),
            )
        if info.st_size > limit:
            raise SourceError(_too_big(path, limit), path=str(path))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while we read it
        raise SourceError(_too_big(path, limit), path=str(path))
    return data


def check_writable_file(path: Path, what: str) -> None:
    """Fail (exit 2) if `path` exists and is not a regular file: a FIFO would block the run
    and a device would swallow (`/dev/zero`) or refuse (`/dev/full`) what is written."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"{what} {path}: cannot use it ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(
            f"{what} {path}: is not a regular file (a pipe, device or socket) - give a file"
        )


def open_for_writing(path: Path, what: str) -> IO[str]:
    """`path` truncated and open for text, only if it is (or becomes) a regular file.

    Opened without blocking, so a FIFO fails at once instead of waiting for a reader; checked
    on the open file, so a swap after `check_writable_file` is caught too.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o666)
    except OSError as exc:
        raise OutputError(f"{what} {path}: cannot write it ({exc.strerror})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OutputError(
                f"{what} {path}: is not a regular file (a pipe, device or socket) - give a file"
            )
        os.ftruncate(fd, 0)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "w", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise


def _too_big(path: Path, limit: int) -> str:
    return f"{path}: larger than the {limit // (1024 * 1024)} MB limit for an input file - split it"


def atomic_write_text(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place.

    A reader (or a crash) sees either the old file or the whole new one, never half of it.
    Configured secrets are redacted first: this is the backstop for every file ucop writes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _rename_all([(_stage(path, text), path)])


def write_all(folder: Path, files: Mapping[str, str]) -> dict[str, Path]:
    """Write every file into `folder`, or none of them (`WriteFailed`, exit 1).

    Each file is staged in a temporary file beside its target and flushed to disk; only when
    all are staged are they renamed into place. A full disk therefore leaves the folder as it
    was: no article without its report, and no empty folder this call created.
    """
    created = not folder.exists()
    staged: list[tuple[Path, Path]] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            target = inside(folder, name)
            staged.append((_stage(target, text), target))
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise WriteFailed(_write_failed(folder, exc)) from None
    _rename_all(staged)
    return {target.name: target for _, target in staged}


def _rename_all(staged: list[tuple[Path, Path]]) -> None:
    """Rename each temporary file onto its target; on a failure, remove the ones left."""
    for done, (tmp, target) in enumerate(staged):
        try:
            os.replace(tmp, target)
        except BaseException:
            for left, _ in staged[done:]:
                left.unlink(missing_ok=True)
            raise


def _write_failed(where: Path, exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    return (
        f"could not write into {where} ({reason}) - nothing was written there; free some "
        "space and run again (--resume reuses the work already done)"
    )


def _stage(path: Path, text: str) -> Path:
    """`text` (secrets redacted) in a new temporary file beside `path`, on disk; its path."""
    text = redact_secrets(text, configured_secrets())
    fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(path.name), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


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
    if not _can_create_in(existing):
        raise OutputError(f"--output {folder}: {existing} is not writable - choose another folder")
    if folder.is_dir() and not (force or resume):
        earlier = previous_article(folder)
        if earlier is not None:
            raise OutputError(
                f"--output {folder} already holds an article ({earlier.name}) - "
                "use --force to overwrite it, --resume to continue that run, or another --output"
            )


def _can_create_in(folder: Path) -> bool:
    """Whether a folder can be made in `folder`: tried, not guessed (root passes os.access
    even on /proc), and removed at once so a refused run leaves nothing behind."""
    try:
        probe = tempfile.mkdtemp(prefix=".ucop-probe-", dir=folder)
    except OSError:
        return False
    os.rmdir(probe)
    return True


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


def default_cache_dir(env: dict[str, str] | None = None) -> Path:
    """`UCOP_CACHE_DIR`, else the platform's user cache folder (XDG on Linux) + `ucop`."""
    env = dict(os.environ) if env is None else env
    if env.get("UCOP_CACHE_DIR"):
        return Path(env["UCOP_CACHE_DIR"]).expanduser()
    if sys.platform in ("darwin", "win32") and not env.get("XDG_CACHE_HOME"):
        from platformdirs import user_cache_dir  # ~/Library/Caches/ucop, %LOCALAPPDATA%

        return Path(user_cache_dir("ucop", appauthor=False))
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".cache")
    return Path(base) / "ucop"
