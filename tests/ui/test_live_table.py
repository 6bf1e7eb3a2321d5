from __future__ import annotations

import threading

from tests.ui.helpers import FakeClock, line_of, make_console, render_text, scripted_run
from ucop.engine.events import Event, EventKind
from ucop.ui.live import LiveTable


def fed_table(clock: FakeClock, events: list[Event] | None = None, **kwargs) -> LiveTable:
    console = make_console(width=kwargs.pop("width", 120), height=kwargs.pop("height", 40))
    table = LiveTable(console, clock, **kwargs)
    for event in scripted_run() if events is None else events:
        table(event)
    return table


def test_header_shows_mode_provider_model_and_max_parallel():
    text = render_text(fed_table(FakeClock(2.0)).render())
    header = text.splitlines()[0]
    assert "parallel" in header and "provider fake" in header
    assert "model fake-1" in header and "max parallel 4" in header


def test_each_row_shows_its_state_word_and_symbol():
    text = render_text(fed_table(FakeClock(2.0)).render())
    assert "✓ done" in line_of(text, "section_writer[1]")
    assert "✗ failed" in line_of(text, "section_writer[2]")
    assert "○ queued" in line_of(text, "section_writer[3]")
    assert "⊘ skipped" in line_of(text, "fact_checker")
    assert "· pending" in line_of(text, "editor")


def test_retry_shows_attempt_countdown_and_reason():
    clock = FakeClock(2.6)
    table = fed_table(clock)
    row = line_of(render_text(table.render()), "outline_planner")
    # RETRYING at t=1.0 with wait_s=3.0: the next attempt starts at 4.0, 1.4s from now.
    assert "↻ retry in 1.4s" in row
    assert "2/4" in row
    assert "429 rate limited" in row
    clock.now = 3.5
    assert "retry in 0.5s" in line_of(render_text(table.render()), "outline_planner")


def test_retry_turns_back_into_running_when_the_wait_is_over():
    clock = FakeClock(4.5)
    row = line_of(render_text(fed_table(clock).render()), "outline_planner")
    assert "▶ running" in row and "2/4" in row
    assert "4.4s" in row  # elapsed since the first start at 0.1
    assert "429" not in row


def test_finished_row_shows_duration_and_tokens():
    row = line_of(render_text(fed_table(FakeClock(9.0)).render()), "section_writer[1]")
    assert "1.5s" in row  # 1.0 -> 2.5, frozen after the finish
    assert "1,200 / 340" in row
    assert "1/4" in row


def test_instances_sit_under_their_parent_which_summarises_them():
    lines = render_text(fed_table(FakeClock(2.0)).render()).splitlines()
    names = [line.split()[0] for line in lines if line.split()]
    at = names.index("section_writer")
    assert names[at : at + 5] == [
        "section_writer",
        "section_writer[1]",
        "section_writer[2]",
        "section_writer[3]",
        "editor",
    ]
    group = lines[at]
    assert "1/3 done, 1 ✗" in group
    assert line_of("\n".join(lines), "section_writer[1]").startswith("  section_writer[1]")


def test_instance_seen_without_expanded_event_still_joins_its_parent():
    events = scripted_run() + [Event(EventKind.QUEUED, "section_writer[4]", 1.6)]
    lines = render_text(fed_table(FakeClock(2.0), events).render()).splitlines()
    names = [line.split()[0] for line in lines if line.split()]
    assert names.index("section_writer[4]") == names.index("section_writer[3]") + 1
    assert "1/4 done" in line_of("\n".join(lines), "section_writer")


def test_footer_shows_wall_agent_time_agents_at_once_and_counts():
    clock = FakeClock(2.0)
    footer = render_text(fed_table(clock).render()).splitlines()[-1]
    # Agent time: outline_planner running 1.9 + [1] 1.5 + [2] 0.5 = 3.9 over a 2.0s wall.
    assert "wall 2.0s" in footer
    assert "agent time 3.9s" in footer
    assert "1.9 agents at once" in footer and "speedup" not in footer  # the summary's word
    assert "1 running" in footer and "1 done" in footer and "1 failed" in footer
    assert "1 skipped" in footer


def test_clock_freezes_at_run_finished():
    clock = FakeClock(2.0)
    events = scripted_run() + [
        Event(EventKind.RUN_FINISHED, None, 5.0, data={"status": "partial"}),
    ]
    table = fed_table(clock, events)
    clock.now = 50.0
    text = render_text(table.render())
    assert "wall 5.0s" in text.splitlines()[-1]
    assert "finished: partial" in text.splitlines()[0]


def many_agents(count: int, running: int, failed: int) -> list[Event]:
    names = [f"agent_{i:03d}" for i in range(count)]
    info = {"mode": "parallel", "provider": "fake", "max_parallel": running}
    events = [Event(EventKind.RUN_STARTED, None, 0.0, data={**info, "agents": names})]
    for i, name in enumerate(names):
        if i < count - running - failed - 12:
            events += [Event(EventKind.STARTED, name, 0.0), Event(EventKind.FINISHED, name, 1.0)]
        elif i < count - running - 12:
            events += [Event(EventKind.STARTED, name, 0.0), Event(EventKind.FAILED, name, 1.0)]
        elif i < count - 12:
            events.append(Event(EventKind.STARTED, name, 1.0, attempt=1, max_attempts=3))
        else:
            events.append(Event(EventKind.QUEUED, name, 1.0))
    return events


def test_two_hundred_agents_fold_to_the_console_height():
    table = fed_table(FakeClock(2.0), many_agents(200, running=6, failed=2), height=30)
    lines = render_text(table.render(), height=30).splitlines()
    assert len(lines) <= 29
    names = [line.split()[0] for line in lines if line.split()]
    running = [f"agent_{i:03d}" for i in range(182, 188)]
    failed = ["agent_180", "agent_181"]
    assert set(running + failed) <= set(names), "running and failed rows stay visible"
    queued = [f"agent_{i:03d}" for i in range(188, 200)]
    assert set(queued) <= set(names), "waiting rows come before finished ones"
    fold = next(line for line in lines if line.startswith("+"))
    shown_done = sum("✓ done" in line for line in lines)
    assert 0 < shown_done < 10
    assert fold == f"+{180 - shown_done} done"
    assert "6 running" in lines[-1] and "180 done" in lines[-1] and "2 failed" in lines[-1]


def test_fold_line_names_the_biggest_group_first():
    table = fed_table(FakeClock(2.0), many_agents(200, running=6, failed=2), height=16)
    lines = render_text(table.render(), height=16).splitlines()
    assert len(lines) <= 15
    fold = next(line for line in lines if line.startswith("+"))
    shown_queued = sum("○ queued" in line for line in lines)
    assert fold == f"+180 done, {12 - shown_queued} queued"


def test_narrow_console_keeps_names_and_states_readable():
    text = render_text(fed_table(FakeClock(2.6), width=80).render(), width=80)
    row = line_of(text, "outline_planner")
    assert "↻ retry in 1.4s" in row and "2/4" in row
    assert all(len(line) <= 80 for line in text.splitlines())


def test_small_runs_are_not_folded():
    lines = render_text(fed_table(FakeClock(2.0)).render()).splitlines()
    assert not any(line.startswith("+") for line in lines)


def test_events_from_many_threads_are_all_counted():
    clock = FakeClock(1.0)
    table = fed_table(clock, [])

    def worker(base: int) -> None:
        for i in range(50):
            name = f"w{base}_{i}"
            table(Event(EventKind.STARTED, name, 0.0))
            table(Event(EventKind.FINISHED, name, 0.5))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for _ in range(20):
        table.render()  # drawing while events arrive must not break either
    for thread in threads:
        thread.join()
    footer = render_text(table.render(), height=30).splitlines()[-1]
    assert "400 done" in footer


def test_as_context_manager_prints_the_final_table_once_done():
    console = make_console()
    clock = FakeClock(2.0)
    with LiveTable(console, clock) as table:
        for event in scripted_run():
            table(event)
    output = console.file.getvalue()
    assert "section_writer[2]" in output and "\x1b" not in output


def _long_reason_table(width: int) -> str:
    reason = "HTTP 429 from openai: rate limited, Retry-After 5s (attempt 2 of 4)"
    events = [
        *scripted_run(),
        Event(EventKind.EXPANDED, "editor", 1.6, data={"instances": ["editor[12]"]}),
        Event(EventKind.STARTED, "editor[12]", 1.6, attempt=1, max_attempts=4),
        Event(
            EventKind.RETRYING,
            "editor[12]",
            1.7,
            attempt=2,
            max_attempts=4,
            wait_s=5.0,
            error=reason,
        ),
    ]
    return render_text(fed_table(FakeClock(2.6), events, width=width).render(), width=width)


def test_at_80_columns_name_state_and_retry_reason_win_over_the_other_columns():
    text = _long_reason_table(80)
    assert all(len(line) <= 80 for line in text.splitlines())
    row = line_of(text, "editor[12]")
    assert "↻ retry in 4.1s" in row and "2/4" in row  # state and attempt whole
    assert "HTTP 429 from openai: rate" in row and row.rstrip().endswith("…")
    head = text.splitlines()[1]
    assert "Tokens" not in head and "Note" in head  # tokens go first, the note stays
    assert "HTTP 500 from provider" in line_of(text, "section_writer[2]")


def test_a_wide_terminal_shows_every_column():
    text = _long_reason_table(160)
    head = text.splitlines()[1].split()
    assert head[:5] == ["Agent", "State", "Attempt", "Elapsed", "Tokens"]
    assert "(attempt 2 of 4)" in line_of(text, "editor[12]")


def test_the_columns_keep_their_set_and_widths_for_the_whole_run():
    clock = FakeClock(0.05)
    events = scripted_run()
    table = fed_table(clock, events[:2], width=80)  # started: one agent queued
    early = render_text(table.render(), width=80).splitlines()[1]
    for event in events[2:]:  # a retry, tokens, a failure and a skip arrive
        table(event)
    clock.now = 1.2
    late = render_text(table.render(), width=80)
    assert late.splitlines()[1] == early  # the same headings at the same places
    assert "retry in" in late and "1,200 / 340" not in late  # tokens left out from the start
    assert all(len(line) <= 80 for line in late.splitlines())
