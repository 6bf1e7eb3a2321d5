"""End-of-run tables: the run summary, and the A/B table printed by `ucop bench`.

`render_summary` reads these run report keys (a missing one shows as a dash):
  status, mode, provider, model, max_parallel, wall_s, agent_time_s, speedup, speedup_basis,
  critical_path_s,
  critical_path (names), lower_bound_s, efficiency (a fraction, shown as a percentage),
  article (path or None), agents[].{name, status, retries, tokens_in, tokens_out, error}.
`render_ab_table` reads, per row: mode, status, max_parallel, wall_s, agent_time_s, speedup,
  critical_path_s, efficiency, requests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ucop.numbers import percent, plain_number, ratio, seconds
from ucop.ui.live import STATE_STYLES
from ucop.ui.plain import clean_text, describe_run, format_tokens

PROBLEMS = ("failed", "timed_out", "skipped", "cancelled")
MAX_PROBLEMS = 10
RUN_STYLES = {"ok": "bold green", "partial": "bold yellow", "failed": "bold red"}
RUN_STYLES |= {"degraded": "bold yellow", "replaced": "bold red"}


def render_summary(report: Mapping[str, Any]) -> RenderableType:
    """The summary table, plus the agents that did not succeed and why."""
    agents = list(report.get("agents") or [])
    problems = [a for a in agents if a.get("status") in PROBLEMS]
    parts: list[RenderableType] = [summary_table(report, agents)]
    if problems:
        parts.append(problem_table(problems))
    return Group(*parts)


def summary_table(report: Mapping[str, Any], agents: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(title="Run summary", title_justify="left", box=box.SIMPLE, show_header=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    status = str(report.get("status", "?"))
    tokens_in = sum(int(a.get("tokens_in") or 0) for a in agents)
    tokens_out = sum(int(a.get("tokens_out") or 0) for a in agents)
    rows: list[tuple[str, RenderableType]] = [
        ("Status", Text(status, style=RUN_STYLES.get(status, "bold magenta"))),
        ("Run", describe_run(report)),
        ("Wall time", seconds(report.get("wall_s"))),
        ("Agent time", seconds(report.get("agent_time_s"))),
        ("Speedup", speedup(report)),
        ("Critical path", critical_path(report)),
        ("Lower bound", seconds(report.get("lower_bound_s"))),
        ("Efficiency", explained(percent(report.get("efficiency")), "lower bound ÷ wall time")),
        ("Agents", status_counts(agents)),
        ("Retries", str(sum(len(a.get("retries") or []) for a in agents))),
        ("Tokens", format_tokens(tokens_in, tokens_out)),
        *usage_rows(report.get("usage")),
        *answer_rows(report),
        ("Article", clean_text(report.get("article") or "not written")),
    ]
    for key, value in rows:
        table.add_row(key, value)
    return table


def answer_rows(report: Mapping[str, Any]) -> list[tuple[str, RenderableType]]:
    """How many model answers the article uses (none for the offline writer)."""
    from ucop.report.status import describe

    answers = report.get("model_answers")
    if not answers or report.get("offline"):
        return []
    return [("Model answers", Text(describe(answers)))]


def usage_rows(usage: Mapping[str, Any] | None) -> list[tuple[str, RenderableType]]:
    """Cost, rate limiting and the budget, from the report's `usage` block (if any)."""
    if not usage or not usage.get("requests"):
        return []  # no model was called: nothing cost anything or met a rate limit
    cost = usage.get("cost")
    if cost is None:
        shown = Text("unknown (no price for this model)")
    else:
        shown = explained(
            f"${cost:.4f}",
            f"{usage.get('prices', '')}; {usage.get('cached_tokens', 0)}"
            " input tokens from the prompt cache",
        )
    rows: list[tuple[str, RenderableType]] = [
        ("Cost", shown),
        (
            "Rate limits",
            f"{usage.get('rate_limited', 0)} of {usage.get('requests', 0)} calls answered 429;"
            f" {usage.get('paced_s', 0):.1f}s spent paced",
        ),
    ]
    if usage.get("usage_ignored"):
        ignored = f"{usage['usage_ignored']} answers reported impossible token counts"
        rows.append(("Usage figures", Text(f"{ignored}: estimates used", style="yellow")))
    if usage.get("budget_stopped"):
        rows.append(
            (
                "Budget",
                Text(
                    f"stopped at --max-cost ${usage.get('max_cost'):g}: calls that would pass it "
                    "were not started - run again with --resume (and a higher --max-cost) to "
                    "finish",
                    style="bold yellow",
                ),
            )
        )
    return rows


def speedup(report: Mapping[str, Any]) -> Text:
    """The estimated speedup and how it was estimated (time queued for the model left out)."""
    how = report.get("speedup_basis") or "agent time ÷ wall time"
    return explained(ratio(report.get("speedup")), clean_text(how, 120))


def explained(value: str, how: str) -> Text:
    return Text(value).append(f"  ({how})", style="dim")


def critical_path(report: Mapping[str, Any]) -> str:
    """`14.20s: outline_planner → section_writer[1] → editor`, long paths cut in the middle."""
    names = [clean_text(n, 60) for n in report.get("critical_path") or []]
    if len(names) > 6:
        names = [*names[:3], "…", *names[-2:]]
    total = seconds(report.get("critical_path_s"))
    return f"{total}: {' → '.join(names)}" if names else total


def status_counts(agents: Sequence[Mapping[str, Any]]) -> Text:
    """`✓ 8 done  ✗ 1 failed`, each part in its state's colour."""
    counts = Counter(str(a.get("status", "?")) for a in agents)
    text = Text()
    for state, style in STATE_STYLES.items():
        count = counts.pop(state, 0)
        if count:
            text.append(f"{style.symbol} {count} ")
            text.append(style.label, style=style.style)
            text.append("  ")
    for state, count in counts.items():
        text.append(f"{count} {clean_text(state)}  ")
    text.rstrip()
    return text if text.plain else Text("no agents")


def problem_table(problems: Sequence[Mapping[str, Any]]) -> Table:
    """Agents that failed, timed out, were skipped or cancelled, with their error."""
    table = Table(title="Did not finish", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("Agent", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Error", overflow="fold")
    for agent in problems[:MAX_PROBLEMS]:
        style = STATE_STYLES.get(str(agent.get("status")), STATE_STYLES["failed"])
        table.add_row(
            clean_text(agent.get("name", "?"), 60),
            Text(f"{style.symbol} {style.label}", style=style.style),
            clean_text(agent.get("error") or "", 300),
        )
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        table.add_row(f"+{more} more", "", "see the run report for all of them")
    return table


def render_ab_table(rows: Sequence[Mapping[str, Any]]) -> RenderableType:
    """One line per benchmark run, to compare modes and max parallel settings."""
    # short headings and no outer padding: the whole table fits an 80-column terminal
    table = Table(
        title="Benchmark",
        title_justify="left",
        box=None,
        pad_edge=False,
        header_style="bold",
    )
    table.add_column("mode", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for heading in AB_NUMBERS:
        table.add_column(heading, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(
            clean_text(row.get("mode", "?")),
            clean_text(row.get("status", "—")),
            str(row.get("max_parallel", "—")),
            plain_number(row.get("wall_s")),
            plain_number(row.get("agent_time_s")),
            ratio(row.get("speedup")),
            plain_number(row.get("critical_path_s")),
            percent(row.get("efficiency")),
            "—" if row.get("requests") is None else str(row["requests"]),
        )
    return table


AB_NUMBERS = (
    "max par",
    "wall s",
    "agent s",
    "speedup",
    "path s",  # the critical path
    "effic.",
    "requests",
)
