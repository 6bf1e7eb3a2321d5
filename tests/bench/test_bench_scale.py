"""Scale helpers: reading `-X importtime` output and measuring overhead per agent."""

from __future__ import annotations

from benchmarks.scale import heavy_imports, max_rss_mib, overhead_per_agent

TRACE = [  # (depth, module, cumulative µs) as `-X importtime` lists them: children first
    (2, "pydantic.main", 9000),
    (1, "pydantic", 12000),
    (0, "ucop.config", 15000),
    (1, "httpx._api", 1000),
    (0, "httpx", 30000),
]


def test_heavy_imports_name_the_ucop_module_behind_them():
    found = heavy_imports(TRACE, heavy=("pydantic", "httpx", "numpy"))
    assert found["pydantic"] == {"ms": 12.0, "via": "ucop.config", "chain": ["ucop.config"]}
    assert found["httpx"]["via"] == ""  # imported at run time, not by a module at import
    assert "numpy" not in found


def test_overhead_per_agent_reports_each_size():
    rows = overhead_per_agent((20, 50), workers=2, repeats=1)
    assert [r.agents for r in rows] == [20, 50]
    assert all(r.median_us >= r.min_us > 0 for r in rows)


def test_max_rss_is_megabytes():
    assert 5 < max_rss_mib() < 10_000
