"""The same synthetic DAG through LangGraph's `StateGraph`, when `langgraph` is installed.

Each agent is a node that sleeps its latency and appends its name to the state; an agent with
several dependencies is joined with one multi-source edge (`add_edge([a, b], c)`), so it runs
once, after all of them. LangGraph runs nodes in supersteps, so this measures its own
step-by-step execution against ucop's dependency-driven one. Install it with
`pip install 'ucop[bench]'`; without it every function here says so instead of failing.
"""

from __future__ import annotations

import importlib.util
import operator
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from benchmarks.dags import Dag

MISSING = "langgraph is not installed - pip install 'ucop[bench]' (or langgraph) to compare"


class _State(TypedDict):
    done: Annotated[list[str], operator.add]


@dataclass
class LangGraphRun:
    wall_s: float
    ran: list[str]  # node names in the order their updates were applied


def available() -> bool:
    return importlib.util.find_spec("langgraph") is not None


def version() -> str | None:
    if not available():
        return None
    from importlib.metadata import version as dist_version

    return dist_version("langgraph")


def compile_graph(dag: Dag) -> Any:
    """The DAG as a compiled LangGraph graph (raises ImportError when it is not installed)."""
    from langgraph.graph import END, START, StateGraph

    builder = StateGraph(_State)
    has_dependents = {dep for deps in dag.deps.values() for dep in deps}
    for name, deps in dag.deps.items():
        builder.add_node(name, _node(name, dag.durations[name]))
        if not deps:
            builder.add_edge(START, name)
        else:
            builder.add_edge(deps[0] if len(deps) == 1 else list(deps), name)
        if name not in has_dependents:
            builder.add_edge(name, END)
    return builder.compile()


def run(graph: Any, workers: int, clock: Callable[[], float] = time.perf_counter) -> LangGraphRun:
    """Invoke a compiled graph once with at most `workers` nodes at a time."""
    config = {"max_concurrency": workers, "recursion_limit": 100_000}
    start = clock()
    state = graph.invoke({"done": []}, config=config)
    return LangGraphRun(clock() - start, list(state["done"]))


def _node(name: str, seconds: float) -> Any:
    def node(state: _State) -> dict[str, list[str]]:
        if seconds > 0:
            time.sleep(seconds)
        return {"done": [name]}

    return node
