"""Benchmarks of the engine and the workflow; `scripts/bench_*.py` print and save them.

Not part of the installed package: import it from a checkout (the scripts put the repository
root on `sys.path`; pytest does through `pythonpath`). `ucop bench` needs none of it, only
`ucop.testing.model_server.loopback_server`.

- `dags`: synthetic DAGs (article, wide, skewed, chains) as plain data.
- `engine`: those DAGs through ucop's scheduler, the barrier scheduler and LangGraph.
- `barrier`: a real level-by-level scheduler, the design ucop replaces.
- `langgraph_runner`: the same DAGs through LangGraph, when it is installed.
- `e2e`: the article workflow over HTTP against the loopback model server.
- `scale`: memory of wide workflows, overhead per agent as graphs grow, CLI start-up.
- `ratelimit`: a batch against the loopback server's rate limits, pacing off and on.
- `report`: tables, JSON and the speedup plot.
"""
