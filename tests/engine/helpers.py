"""Fakes for engine tests: bodies that count, sleep, block or fail."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter

from ucop.engine import Task, TaskGraph


class Probe:
    """Records how often each body ran, in what order, and peak concurrency."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seq = itertools.count()
        self.started: dict[str, int] = {}
        self.ended: dict[str, int] = {}
        self.running = 0
        self.peak = 0
        self.lock = threading.Lock()

    def body(
        self,
        seconds: float = 0.0,
        result=None,
        fail: bool = False,
        together: threading.Barrier | None = None,
    ):
        """A body that sleeps `seconds`; with `together`, it first waits there until that
        many bodies are running at once (BrokenBarrierError, a failed task, if they never are)."""

        def run(ctx):
            with self.lock:
                self.calls[ctx.name] += 1
                self.started[ctx.name] = next(self.seq)
                self.running += 1
                self.peak = max(self.peak, self.running)
            try:
                if together is not None:
                    together.wait()
                if seconds:
                    time.sleep(seconds)
                if fail:
                    raise RuntimeError(f"{ctx.name} broke")
                return result if result is not None else {"name": ctx.name, "item": ctx.item}
            finally:
                with self.lock:
                    self.running -= 1
                    self.ended[ctx.name] = next(self.seq)

        return run


def blocking_body(release: threading.Event):
    def run(ctx):
        release.wait()  # never set by the test: a call that never returns
        return {"late": True}

    return run


def article_graph(probe: Probe, scale: float = 1.0, sections: int = 5) -> TaskGraph:
    """The issue's article DAG with latencies in seconds times `scale`."""
    ms = {
        "kb": 300,
        "api": 200,
        "blog": 250,
        "outline": 150,
        "intro": 200,
        "codegen": 300,
        "codeval": 100,
        "concl": 200,
        "asm": 10,
    }
    section_ms = [400, 250, 300, 350, 200][:sections]

    def t(name, deps=()):
        secs = ms[name] / 1000 * scale
        return Task(name, probe.body(secs), deps, estimate_s=secs)

    def section_body(ctx):
        return probe.body(section_ms[ctx.index - 1] / 1000 * scale)(ctx)

    return TaskGraph(
        [
            t("kb"),
            t("api"),
            t("blog"),
            t("outline", ("kb", "api", "blog")),
            Task(
                "sections",
                section_body,
                ("outline",),
                estimate_s=0.3 * scale,
                fan_out=lambda inputs: list(range(sections)),
            ),
            t("intro", ("outline",)),
            t("codegen", ("outline",)),
            t("codeval", ("codegen",)),
            t("concl", ("sections",)),
            t("asm", ("intro", "concl", "codeval", "sections")),
        ]
    )
