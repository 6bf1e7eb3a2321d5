"""The end-to-end benchmark's pieces: brief copies, measured ideal, rows and the chart."""

from __future__ import annotations

import pytest

from benchmarks.e2e import (
    Point,
    Row,
    brief_with_sections,
    chart_series,
    measured_ideal,
    summary,
)
from benchmarks.report import speedup_chart, table


def point(cap, wall, ideal, requests=7, peak=None):
    return Point(3, cap, "ok", wall, 12, 1.6, 0.7, 0.7, ideal, requests, peak or cap)


def test_brief_copy_changes_only_the_section_count(tmp_path):
    brief = brief_with_sections(30, tmp_path)
    text = brief.read_text()
    assert "sections: 30\n" in text and "sections: 4" not in text
    assert (brief.parent / "openapi.yaml").is_file() and (brief.parent / "kb").is_dir()


def test_brief_without_a_sections_line_is_refused(tmp_path):
    example = tmp_path / "example"
    example.mkdir()
    (example / "brief.md").write_text("---\ntitle: x\n---\nbody\n")
    with pytest.raises(ValueError, match="sections"):
        brief_with_sections(3, tmp_path / "out", example)


def test_measured_ideal_follows_the_reports_dependencies():
    report = {
        "agents": [
            {"name": "a", "depends_on": [], "duration_s": 0.2},
            {"name": "b", "depends_on": [], "duration_s": 0.3},
            {"name": "c", "depends_on": ["a", "b"], "duration_s": 0.1},
        ]
    }
    assert measured_ideal(report, 2) == pytest.approx(0.4)
    assert measured_ideal(report, 1) == pytest.approx(0.6)


def test_rows_compare_with_the_sequential_run_and_the_cap():
    sequential = point(1, 1.6, 1.59)
    row = Row(point(5, 0.8, 0.76), 0.79, 1.6, 7, 5, (7, 7))
    assert row.speedup == pytest.approx(2.0)
    assert row.ideal_speedup == pytest.approx(1.6 / 0.76)
    assert row.point.gap == pytest.approx(0.8 / 0.76 - 1)
    assert row.within_cap and row.requests_equal
    over = Row(point(3, 0.9, 0.9, peak=4), 0.9, 1.6, 7, 4, (7, 8))
    assert not over.within_cap and not over.requests_equal
    totals = summary([Row(sequential, 1.6, 1.6, 7, 1, (7,)), row, over])
    assert totals["all_within_cap"] is False and totals["requests_equal"] is False
    assert totals["worst_gap"] == pytest.approx(0.8 / 0.76 - 1)


def test_chart_has_one_solid_and_one_dashed_series_per_section_count():
    rows = [Row(point(c, 1.6 / c, 1.5 / c), 1.0, 1.6, 7, c, (7,)) for c in (1, 3, 5)]
    measured, ideal = chart_series(rows)
    assert list(measured) == ["3 sections"] and list(ideal) == ["ideal, 3 sections"]
    svg = speedup_chart(measured, ideal, title="t")
    assert svg.count('class="series"') == 2 and 'stroke-dasharray="6 4"' in svg
    text = table([r.as_dict() for r in rows], [("speedup", "speedup", lambda v: f"{v:.1f}")])
    assert text.splitlines()[2:] == ["| 1.0     |", "| 3.0     |", "| 5.0     |"]
