"""Scale: memory of a very wide workflow, overhead per agent as graphs grow, CLI start-up.

Memory is measured in a fresh interpreter per run (`ru_maxrss` is a high-water mark for the
whole process, so runs in one process would hide each other). Start-up is the median wall
time of the real command in a subprocess against a bare `python -c "import typer"`, and
`python -X importtime` shows which heavy modules each command pulls in, and through which
ucop module.
"""

from __future__ import annotations

import functools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.dags import zero_work_dag
from benchmarks.engine import measure, ucop_once

HEAVY = ("httpx", "rank_bm25", "numpy", "jinja2", "pydantic", "dask", "langgraph")
ROOT = Path(__file__).resolve().parents[1]


def max_rss_mib() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def workflow_memory(sections: int, latency_s: float = 0.02, cap: int = 8) -> dict[str, Any]:
    """Run the article workflow with `sections` section writers once; peak RSS before/after."""
    from benchmarks import e2e

    before = max_rss_mib()
    with e2e.loopback_server(latency_s) as server, tempfile.TemporaryDirectory() as tmp:
        job = e2e.loopback_job(e2e.brief_with_sections(sections, Path(tmp)), server.base_url)
        point = e2e.run_point(job, server, sections, cap)
    return {
        "sections": sections,
        "agents": point.agents,
        "status": point.status,
        "wall_s": point.wall_s,
        "requests": point.requests,
        "peak_concurrency": point.peak_concurrency,
        "rss_before_run_mib": before,
        "peak_rss_mib": max_rss_mib(),
    }


def in_subprocess(function: str, **kwargs: Any) -> dict[str, Any]:
    """Call `benchmarks.scale.<function>(**kwargs)` in a fresh interpreter; its JSON result."""
    code = (
        "import json, sys\n"
        f"from benchmarks.scale import {function} as f\n"
        "print(json.dumps(f(**json.loads(sys.argv[1]))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(kwargs)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass(frozen=True)
class Overhead:
    agents: int
    workers: int
    median_us: float  # wall per agent, median of the repeats
    min_us: float


def overhead_per_agent(
    sizes: Sequence[int] = (100, 1_000, 10_000), workers: int = 5, repeats: int = 5
) -> list[Overhead]:
    """Scheduler cost per zero-work agent as the graph grows: it should stay flat."""
    rows = []
    for size in sizes:
        dag = zero_work_dag(size)
        timing = measure(functools.partial(ucop_once, dag, workers), repeats)
        per = 1e6 / len(dag)
        rows.append(Overhead(len(dag), workers, timing.median_s * per, timing.min_s * per))
    return rows


def ucop_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "ucop", *args]


def startup_s(command: Sequence[str], repeats: int = 7) -> tuple[float, float, int]:
    """(median, min) wall seconds of `command` from spawn to exit, and its last exit code."""
    runs, code = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, cwd=ROOT, env=_env(), timeout=120)
        runs.append(time.perf_counter() - start)
        code = done.returncode
    return statistics.median(runs), min(runs), code


def import_times(command: Sequence[str]) -> list[tuple[int, str, int]]:
    """(depth, module, cumulative µs) per import of `command`, in `-X importtime` order."""
    traced = [command[0], "-X", "importtime", *command[1:]]
    done = subprocess.run(traced, capture_output=True, text=True, cwd=ROOT, env=_env(), timeout=120)
    found = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        _, cumulative, name = line.split("|", 2)
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        found.append((depth, name.strip(), int(cumulative)))
    return found


def heavy_imports(
    trace: Sequence[tuple[int, str, int]], heavy: Sequence[str] = HEAVY
) -> dict[str, dict[str, Any]]:
    """For each heavy module imported: its cumulative import time and the ucop module behind it.

    `-X importtime` lists a module after everything it imported, one level less indented, so
    the importer of line i is the next line with a smaller depth.
    """
    found: dict[str, dict[str, Any]] = {}
    for index, (depth, name, cumulative) in enumerate(trace):
        if name not in heavy or name in found:
            continue
        chain = _importers(trace, index, depth)
        via = next((m for m in chain if m.startswith("ucop")), chain[0] if chain else "")
        found[name] = {"ms": cumulative / 1000, "via": via, "chain": chain}
    return found


def _importers(trace: Sequence[tuple[int, str, int]], index: int, depth: int) -> list[str]:
    """Who imported trace[index], nearest first."""
    chain = []
    for later_depth, later_name, _ in trace[index + 1 :]:
        if later_depth < depth:
            chain.append(later_name)
            depth = later_depth
    return chain


# Run in a fresh interpreter: note who imports each heavy module first, then run the CLI.
_SPY = """
import json, sys, traceback
heavy, out, argv = set(sys.argv[1].split(",")), sys.argv[2], sys.argv[3:]
sites = {}

def where(frame):
    return frame.filename.split("site-packages/")[-1].split("/work/main/")[-1] + f":{frame.lineno}"

class Spy:
    def find_spec(self, name, path=None, target=None):
        if name in heavy and name not in sites:
            stack = [f for f in traceback.extract_stack()[:-1] if "importlib" not in f.filename]
            ours = [f for f in stack if "/ucop/" in f.filename]
            sites[name] = {"by": where(stack[-1]), "ucop": where(ours[-1]) if ours else None}
        return None

sys.meta_path.insert(0, Spy())
from ucop.cli import main
try:
    main(argv)
except SystemExit:
    pass
with open(out, "w") as handle:
    json.dump(sites, handle)
"""


def import_sites(args: Sequence[str], heavy: Sequence[str] = HEAVY) -> dict[str, dict[str, Any]]:
    """Heavy module -> the file:line that imported it first and the ucop line behind that."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sites.json"
        command = [sys.executable, "-c", _SPY, ",".join(heavy), str(out), *args]
        subprocess.run(command, capture_output=True, cwd=ROOT, env=_env(), timeout=120)
        return json.loads(out.read_text()) if out.exists() else {}


def _env() -> Mapping[str, str]:
    """The environment without ucop settings, so every command sees the same config."""
    return {k: v for k, v in os.environ.items() if not k.startswith("UCOP_")}
