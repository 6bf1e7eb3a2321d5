from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ucop.report.chart import render_line_chart
from ucop.report.svg import esc, nice_ticks, write_svg

SVG = "{http://www.w3.org/2000/svg}"


def speedup_series() -> dict[str, list[tuple[float, float]]]:
    parallel = [1, 2, 4, 8]
    series = {f"{n} sections": [(p, min(p, n) * 0.9) for p in parallel] for n in (4, 8)}
    series["ideal"] = [(p, float(p)) for p in parallel]
    return series


def chart_root(series, **kwargs) -> ET.Element:
    svg = render_line_chart(
        series, title=kwargs.get("title", "Speedup"), x_label="max parallel", y_label="speedup"
    )
    return ET.fromstring(svg.encode("utf-8"))


def test_one_polyline_per_series_and_a_point_per_value():
    series = speedup_series()
    root = chart_root(series)
    lines = [p for p in root.iter(f"{SVG}polyline") if p.get("class") == "series"]
    # The reference line goes under the measured ones.
    assert [p.get("data-series") for p in lines] == ["ideal", "4 sections", "8 sections"]
    points = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "point"]
    assert len(points) == sum(len(v) for v in series.values())
    assert len(lines[0].get("points").split()) == 4


def test_ideal_line_is_dashed_and_others_are_solid():
    root = chart_root(speedup_series())
    dashes = {p.get("data-series"): p.get("stroke-dasharray") for p in root.iter(f"{SVG}polyline")}
    assert dashes["ideal"] and dashes["4 sections"] is None


def test_higher_values_are_drawn_higher():
    root = chart_root({"s": [(1.0, 1.0), (2.0, 3.0)]})
    circles = [c for c in root.iter(f"{SVG}circle")]
    assert float(circles[1].get("cy")) < float(circles[0].get("cy"))
    assert float(circles[1].get("cx")) > float(circles[0].get("cx"))


def test_title_labels_and_legend_are_escaped_text():
    root = chart_root({"a<b> & c": [(1.0, 1.0)]}, title="x < y & z")
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "x < y & z" in texts and "a<b> & c" in texts
    assert "max parallel" in texts and "speedup" in texts


def test_empty_series_render_axes_and_a_note():
    root = chart_root({})
    assert "no data" in ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 14.2, [0, 2, 4, 6, 8, 10, 12, 14, 16]),
        (1, 16, [0, 2, 4, 6, 8, 10, 12, 14, 16]),
        (0, 0.37, [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]),
    ],
)
def test_nice_ticks_are_round_and_cover_the_range(low, high, expected):
    assert nice_ticks(low, high, target=8) == pytest.approx(expected)


def test_esc_removes_characters_xml_cannot_hold():
    assert esc('<a href="x">\x00\x1b&') == "&lt;a href=&quot;x&quot;&gt;&amp;"


def test_write_svg_leaves_no_temp_file_when_writing_fails(tmp_path, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("ucop.report.svg.os.replace", broken_replace)
    with pytest.raises(OSError):
        write_svg(tmp_path / "chart.svg", "<svg/>")
    assert list(tmp_path.iterdir()) == []
