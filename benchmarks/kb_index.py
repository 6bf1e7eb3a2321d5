"""Knowledge bases at scale: ucop's index against SQLite FTS5's raw indexing of the same files.

`make_kb` draws N documents from any folders (Markdown, and rst when the loader reads it),
copies them into a temporary folder and varies each copy (a paragraph of its own words, one
word swapped), so no two documents are the same bytes. Every measurement runs in a fresh
interpreter and reports wall seconds and peak RSS (`ru_maxrss` of that child), so runs do not
hide each other's memory.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Runs a command; prints its wall and CPU seconds and its peak RSS (ru_maxrss: KiB on Linux).
_WRAP = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "s = time.perf_counter() - t\n"
    "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "cpu, rss = use.ru_utime + use.ru_stime, use.ru_maxrss / 1024\n"
    "print(json.dumps({'seconds': round(s, 3), 'cpu_s': round(cpu, 3),"
    " 'peak_rss_mib': round(rss, 1), 'exit': code}))\n"
)
FTS5_RAW = (
    "import sqlite3, sys, pathlib\n"
    "db = sqlite3.connect(sys.argv[2])\n"
    "db.execute('CREATE VIRTUAL TABLE docs USING fts5(path, body,'\n"
    "           \" tokenize='porter unicode61')\")\n"
    "for f in sorted(pathlib.Path(sys.argv[1]).rglob('*')):\n"
    "    if f.is_file():\n"
    "        db.execute('INSERT INTO docs VALUES (?, ?)', (str(f), f.read_text('utf-8')))\n"
    "db.commit()\n"
)
SUFFIXES = (".md", ".markdown", ".txt", ".rst")


def pool(folders: Sequence[Path], suffixes: Sequence[str] = SUFFIXES) -> list[Path]:
    """The documents under `folders` the knowledge-base loader reads (by suffix)."""
    from ucop.sources.kb import KB_SUFFIXES

    wanted = {s for s in suffixes if s in KB_SUFFIXES}
    found = [f for d in folders for f in sorted(d.rglob("*")) if f.suffix.lower() in wanted]
    return [f for f in found if f.is_file() and "briefs" not in f.parts]


def make_kb(
    folders: Sequence[Path], n: int, dest: Path, seed: int = 21, suffixes: Sequence[str] = SUFFIXES
) -> int:
    """Write `n` varied copies of documents drawn from `folders` into `dest`; returns bytes."""
    rng = random.Random(seed)
    sources = pool(folders, suffixes)
    if not sources:
        raise SystemExit(f"no documents under {', '.join(map(str, folders))}")
    texts = [s.read_text("utf-8") for s in sources]
    words = sorted({w for t in texts for w in re.findall(r"[a-z]{5,12}", t)})
    total = 0
    for i in range(n):
        at = rng.randrange(len(sources))
        text = vary(texts[at], i, words, rng)
        target = dest / f"part{i // 500:03d}" / f"{sources[at].stem}-{i}{sources[at].suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        total += len(text.encode())
    return total


def vary(text: str, i: int, words: Sequence[str], rng: random.Random) -> str:
    """The text with one word swapped and a closing paragraph of its own."""
    found = list(re.finditer(r"\b[a-z]{6,}\b", text))
    if found:
        hit = rng.choice(found)
        text = f"{text[: hit.start()]}{rng.choice(words)}{text[hit.end() :]}"
    extra = " ".join(rng.choice(words) for _ in range(12))
    return f"{text.rstrip()}\n\nCopy {i}: {extra}.\n"


def measured(argv: Sequence[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall seconds and peak RSS of `argv`, run in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _WRAP, *argv],
        env=env,
        cwd=tempfile.gettempdir(),  # `python -m ucop` imports from the working folder first
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def fts5_raw(kb: Path, db: Path) -> dict[str, Any]:
    """FTS5 (porter unicode61) indexing the raw text of every file: the yardstick."""
    db.unlink(missing_ok=True)
    return measured([sys.executable, "-c", FTS5_RAW, str(kb), str(db)])


def ucop_env(cache: Path, pythonpath: Path = ROOT) -> dict[str, str]:
    return {**os.environ, "UCOP_CACHE_DIR": str(cache), "PYTHONPATH": str(pythonpath)}


def index_run(kb: Path, cache: Path, workers: int | None = None) -> dict[str, Any]:
    """`ucop index KB` in a fresh process, with what the refresh did."""
    env = ucop_env(cache) | ({"UCOP_INDEX_WORKERS": str(workers)} if workers else {})
    out = cache / "index.json"
    code = (
        "import json, sys; from pathlib import Path; from ucop.commands.index import run_index\n"
        "import contextlib, io\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf): run_index([Path(sys.argv[1])], url=None,"
        " json_out=True)\n"
        "Path(sys.argv[2]).write_text(buf.getvalue())\n"
    )
    result = measured([sys.executable, "-c", code, str(kb), str(out)], env)
    stats = json.loads(out.read_text())[0]
    return result | {k: stats[k] for k in ("parsed", "hashed", "documents", "chunks", "bytes")}


def generate_run(brief: Path, out: Path, cache: Path, code_root: Path = ROOT) -> dict[str, Any]:
    """An offline `ucop generate` of `brief` (code from `code_root`): time, RSS, ingestion."""
    env = ucop_env(cache, code_root)
    argv = [sys.executable, "-m", "ucop", "generate", "-i", str(brief), "-o", str(out)]
    result = measured([*argv, "-q", "--force"], env)
    report = json.loads((out / "run.json").read_text())
    agents = {a["name"]: a for a in report.get("agents", [])}
    kb = agents.get("kb_ingestion", {})
    return result | {"kb_ingestion_s": kb.get("duration_s"), "status": report.get("status")}


def change_one(kb: Path) -> Path:
    """Edit one document (a new closing line) and return it."""
    victim = sorted(kb.rglob("*.*"))[len(list(kb.rglob("*.*"))) // 2]
    with victim.open("a", encoding="utf-8") as handle:
        handle.write(f"\nChanged at {time.time()}.\n")
    return victim


def write_brief(template: Path, kb: Path, dest: Path) -> Path:
    """`template` with its `sources:` pointing at `kb` only (no blog, no API)."""
    text = template.read_text("utf-8")
    head, body = text.split("\n---\n", 1)
    head = re.sub(r"\nsources:\n(?:  .*\n?)+", "\n", head + "\n").rstrip("\n")
    dest.write_text(f"{head}\nsources:\n  kb: {kb}\n---\n{body}", "utf-8")
    return dest
