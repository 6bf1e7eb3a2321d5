"""A batch of ten briefs over one knowledge base parses it once, on threads or processes."""

from __future__ import annotations

import pytest

from tests.batch.conftest import batch, ledger, make_briefs
from ucop.cache import DiskCache, default_cache_dir
from ucop.sources.index import refresh


@pytest.mark.slow
@pytest.mark.parametrize(
    "executor", ["threads", "processes", pytest.param("dask", marks=pytest.mark.dask)]
)
def test_ten_briefs_index_their_knowledge_base_once(tmp_path, monkeypatch, executor):
    monkeypatch.setenv("UCOP_CACHE_DIR", str(tmp_path / "cache"))
    briefs = make_briefs(tmp_path / "briefs", count=10)
    out = tmp_path / "out"
    result = batch(tmp_path / "briefs", "-o", out, "--executor", executor, "--workers", "4")
    assert result.exit_code == 0, result.stderr
    assert [a["status"] for a in ledger(out)["articles"]] == ["ok"] * 10
    (index,) = DiskCache(default_cache_dir()).info().indexes
    kb = briefs[0].parent / "kb"
    _, stats = refresh(default_cache_dir(), kb, kb.parent)
    documents = len(list(kb.glob("*.md")))
    assert (index.documents, stats.parsed) == (documents, 0)
    assert stats.parses == documents  # every document parsed once across ten articles
