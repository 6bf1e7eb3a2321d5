from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest

from tests.report.helpers import agent, big_report, sample_report
from ucop.report.timeline import render_timeline, write_timeline

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def bars(root: ET.Element) -> dict[str, ET.Element]:
    found = [r for r in root.iter(f"{SVG}rect") if "bar" in r.get("class", "").split()]
    by_name = {r.get("data-agent"): r for r in found}
    assert len(by_name) == len(found), "two bars for one agent"
    return by_name


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in e.get("class", "").split()]


def test_one_bar_per_agent_with_its_status():
    report = sample_report()
    found = bars(parse(render_timeline(report)))
    assert {n: b.get("data-status") for n, b in found.items()} == {
        a["name"]: a["status"] for a in report["agents"]
    }


def test_bar_position_and_width_follow_start_and_duration():
    report = sample_report()
    report["agents"] = [
        agent("a", "done", 0.0, 2.0, 4.0),
        agent("b", "done", 0.0, 6.0, 12.0),
        agent("c", "done", 0.0, 0.0, 1.0),
    ]
    found = bars(parse(render_timeline(report)))
    x = {n: float(b.get("x")) for n, b in found.items()}
    width = {n: float(b.get("width")) for n, b in found.items()}
    per_second = width["a"] / 2.0
    assert width["b"] == pytest.approx(6.0 * per_second, rel=1e-3)
    assert x["a"] - x["c"] == pytest.approx(2.0 * per_second, rel=1e-3)
    assert x["b"] - x["a"] == pytest.approx(4.0 * per_second, rel=1e-3)


def test_rows_follow_start_order_and_never_started_agents_go_last():
    report = sample_report()
    report["agents"] = [
        agent("skipped_one", "skipped", None, None, None),
        agent("late", "done", 0.0, 5.0, 6.0),
        agent("early", "done", 0.0, 1.0, 2.0),
    ]
    found = bars(parse(render_timeline(report)))
    y = {n: float(b.get("y")) for n, b in found.items()}
    assert y["early"] < y["late"] < y["skipped_one"]
    assert found["skipped_one"].get("fill") == "url(#hatch)"


def test_critical_path_bars_are_highlighted_and_named_in_the_legend():
    report = sample_report()
    svg = render_timeline(report)
    root = parse(svg)
    critical = {b.get("data-agent") for b in with_class(root, "critical")}
    # a cached agent took no time: drawn as cached even where the report's path runs through it
    cached = {a["name"] for a in report["agents"] if a["status"] == "cached"}
    assert cached and cached & set(report["critical_path"])
    assert critical == {a["name"] for a in report["agents"] if a["on_critical_path"]} - cached
    for bar in with_class(root, "critical"):
        assert bar.get("stroke") and float(bar.get("stroke-width")) >= 1.5
    plain = bars(root)["source_ranker"]
    assert plain.get("stroke") is None
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "brief_reader → outline_planner → section_writer[2] → editor" in texts
    assert "critical path" in texts


def test_one_retry_marker_per_retry_with_its_error_as_tooltip():
    report = sample_report()
    report["agents"][3]["retries"] = [
        {"at_s": 2.5, "wait_s": 0.5, "error": "overloaded"},
        {"at_s": 3.5, "wait_s": 1.0, "error": "overloaded again"},
    ]
    total = sum(len(a["retries"]) for a in report["agents"])
    root = parse(render_timeline(report))
    markers = with_class(root, "retry")
    assert len(markers) == total == 3
    tips = [m.find(f"{SVG}title").text for m in markers]
    assert any("overloaded again" in tip for tip in tips)


def test_queue_wait_is_drawn_only_where_an_agent_waited():
    report = sample_report()
    root = parse(render_timeline(report))
    waited = {a["name"] for a in report["agents"] if (a["queued_s"] or 0) < (a["start_s"] or 0)}
    assert waited == {"source_ranker", "section_writer[4]", "section_writer[5]"}
    assert len(with_class(root, "queue")) == len(waited)


def test_every_bar_has_a_tooltip_with_times_attempts_and_tokens():
    found = bars(parse(render_timeline(sample_report())))
    tip = found["section_writer[2]"].find(f"{SVG}title").text
    assert "section_writer[2]" in tip and "done" in tip
    assert "start 2.00s" in tip and "end 8.90s" in tip and "duration 6.90s" in tip
    assert "attempts 2" in tip and "1,200 in / 340 out" in tip


def test_title_line_has_mode_provider_wall_speedup_and_efficiency():
    root = parse(render_timeline(sample_report()))
    title = "".join(next(root.iter(f"{SVG}text")).itertext())
    for part in ("parallel", "fake / fake-model", "wall 14.20s", "speedup 2.14×", "100%"):
        assert part in title


def test_names_and_errors_with_markup_characters_are_escaped():
    report = sample_report()
    nasty = 'w<r>iter & "co"'
    report["agents"][0].update(name=nasty, error="bad <xml> & \x1b[31mred\x1b[0m")
    report["agents"][-1]["error"] = "</svg><script>alert(1)</script>"
    svg = render_timeline(report)
    root = parse(svg)
    assert nasty in bars(root)
    assert "<script>" not in svg
    tip = bars(root)[nasty].find(f"{SVG}title").text
    assert "bad <xml> & [31mred[0m" in tip


def test_two_hundred_agents_render_compactly():
    report = big_report(200)
    svg = render_timeline(report)
    root = parse(svg)
    assert len(bars(root)) == 200
    assert len(with_class(root, "retry")) == sum(len(a["retries"]) for a in report["agents"])
    height = float(root.get("height"))
    assert 1000 < height < 2400
    labels = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert 60 <= len(labels) <= 200  # thinned, but still enough to find a row
    assert all(float(t.get("font-size")) >= 9 for t in labels)


def test_empty_report_still_renders():
    report = sample_report()
    report["agents"] = []
    root = parse(render_timeline(report))
    assert bars(root) == {}


def test_write_timeline_replaces_the_file_atomically(tmp_path):
    path = tmp_path / "runs" / "timeline.svg"
    written = write_timeline(sample_report(), path)
    assert written == path
    first = path.read_text(encoding="utf-8")
    parse(first)
    report = sample_report()
    report["agents"] = report["agents"][:2]
    write_timeline(report, path)
    assert len(bars(parse(path.read_text(encoding="utf-8")))) == 2
    assert os.listdir(path.parent) == ["timeline.svg"]
    assert path.stat().st_mode & 0o044 == 0o044  # readable by others, like a normal file


def test_a_long_critical_path_keeps_its_ends_and_drops_the_middle():
    report = big_report(200)
    root = parse(render_timeline(report))
    line = next(
        "".join(t.itertext())
        for t in root.iter(f"{SVG}text")
        if "".join(t.itertext()).startswith("Critical path")
    )
    path = report["critical_path"]
    assert line.split(": ", 1)[1].startswith(f"{path[0]} → {path[1]}")
    assert line.endswith(f"→ {path[-1]}")
    assert "…" in line and path[12] not in line.split(" → ")
