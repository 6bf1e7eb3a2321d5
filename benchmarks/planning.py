"""Planning benchmark: does the plan cover what each corpus brief asks, from the right passages?

For each brief of the shared corpus labelled in `planning_labels.yaml`, ucop writes the article
offline through its public interface (`python -m ucop generate --json`, a private cache), and
the article is read the way a reader reads it: its `##` sections, the `[n]` passages each
cites (the Sources list names their page and heading trail), and its "Not covered" notes and
`run.json` coverage warnings. Nothing here imports the planner, so the figures compare any two
planners that write articles.

    topic recall        labelled topics that some section title names (merged sections count
                        for each topic they name)
    precision@k         of the first k passages each recalled, covered topic's section cites,
                        the share labelled as answering that topic
    false not-covered   covered topics the article says the sources do not cover
    stray not-covered   "not covered" claims that name no labelled topic (an instruction read
                        as a topic, say)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LABELS = Path(__file__).with_name("planning_labels.yaml")
K = 3
NOTE = re.compile(r"^> \*\*Not covered by the sources:\*\*", re.M)
_SOURCE = re.compile(r"^(\d+)\. (.+?) \(`([^`]+)`\)\s*$", re.M)
_CITE = re.compile(r"(?<![\w\]])\[(\d+)\](?!\()")
_FENCED = re.compile(r"^(`{3,}|~{3,}).*?^\1\s*$", re.M | re.S)
NOT_SECTIONS = {"wrapping up", "sources", "conclusion", "next steps"}


@dataclass(frozen=True)
class Cited:
    """One passage an article cites: its page (under the corpus) and its heading trail."""

    page: str
    trail: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    title: str
    cited: tuple[Cited, ...]
    not_covered: bool


@dataclass(frozen=True)
class Article:
    sections: tuple[Section, ...]
    uncovered: tuple[str, ...]  # topics and sections the run warned no source covers


@dataclass
class BriefScore:
    brief: str
    topics: int = 0
    recalled: int = 0
    retrieved: int = 0
    relevant: int = 0
    false_not_covered: int = 0
    stray_not_covered: int = 0
    misses: list[str] = field(default_factory=list)


def load_labels(path: Path = LABELS) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write_article(brief: Path, out: Path, cache: Path) -> tuple[str, dict[str, Any]]:
    """Run `ucop generate` offline on `brief` into `out`; (article text, run.json)."""
    env = {**os.environ, "UCOP_CACHE_DIR": str(cache)}
    argv = [sys.executable, "-m", "ucop", "generate", "-i", str(brief), "-o", str(out)]
    done = subprocess.run(
        [*argv, "--progress", "quiet", "--json"], capture_output=True, text=True, env=env
    )
    if done.returncode not in (0, 1) or not (out / "run.json").is_file():
        raise RuntimeError(f"{brief.name}: ucop generate exited {done.returncode}: {done.stderr}")
    report = json.loads((out / "run.json").read_text(encoding="utf-8"))
    article = out / str(report.get("article") or "")
    return (article.read_text(encoding="utf-8") if article.is_file() else ""), report


def read_article(text: str, report: dict[str, Any], brief_dir: Path, corpus: Path) -> Article:
    """The sections, citations and coverage claims of a written article."""
    body = text.split("\n---\n", 1)[-1]
    sources = {
        number: Cited(_page(path, brief_dir, corpus), tuple(title.split(" > ")))
        for number, title, path in _SOURCE.findall(body.split("\n## Sources\n")[-1])
    }
    sections = []
    for title, part in _sections(body):
        prose = _FENCED.sub("", part)
        numbers = list(dict.fromkeys(_CITE.findall(prose)))
        cited = tuple(sources[n] for n in numbers if n in sources)
        sections.append(Section(title, cited, bool(NOTE.search(part))))
    uncovered = tuple(
        str(w.get("topic") or w.get("section") or "")
        for w in report.get("warnings") or ()
        if isinstance(w, dict) and w.get("kind") in ("uncovered_topic", "uncovered_section")
    )
    return Article(tuple(sections), uncovered)


def _sections(body: str) -> list[tuple[str, str]]:
    parts = re.split(
        r"^## (.+)$", _FENCED.sub(lambda m: m.group(0).replace("## ", "# "), body), flags=re.M
    )
    pairs = zip(parts[1::2], parts[2::2])
    return [(t.strip(), p) for t, p in pairs if t.strip().lower() not in NOT_SECTIONS]


def _page(path: str, brief_dir: Path, corpus: Path) -> str:
    resolved = (brief_dir / path).resolve()
    try:
        return resolved.relative_to(corpus.resolve()).as_posix()
    except ValueError:
        return path


def score(name: str, article: Article, labels: dict[str, Any], k: int = K) -> BriefScore:
    """The figures of one brief's article against its labels."""
    result = BriefScore(name)
    claimed = set()
    for topic in labels["topics"]:
        result.topics += 1
        words = [w.lower() for w in topic["match"]]
        home = _home(article.sections, words)
        result.recalled += home is not None
        if home is None:
            result.misses.append(topic["topic"])
        said_uncovered = (home is not None and home.not_covered) or any(
            _names(claim, words) for claim in article.uncovered
        )
        claimed |= {c for c in article.uncovered if _names(c, words)}
        if topic.get("covered", True):
            result.false_not_covered += said_uncovered
            if home is not None and not home.not_covered:
                first = home.cited[:k]
                result.retrieved += len(first)
                result.relevant += sum(_answers(c, topic["answers"]) for c in first)
    result.stray_not_covered = len(set(article.uncovered) - claimed)
    return result


def _home(sections: tuple[Section, ...], words: list[str]) -> Section | None:
    """The section whose title names the most of the topic's words (the first on a tie)."""
    hits = [(sum(w in s.title.lower() for w in words), -i, s) for i, s in enumerate(sections)]
    best = max(hits, default=None, key=lambda h: (h[0], h[1]))
    return best[2] if best and best[0] else None


def _names(claim: str, words: list[str]) -> bool:
    return any(w in claim.lower() for w in words)


def _answers(cited: Cited, answers: list[dict[str, Any]]) -> bool:
    for answer in answers:
        headings = answer.get("headings") or []
        if cited.page == answer["page"] and (not headings or set(headings) & set(cited.trail)):
            return True
    return False


def run(corpus: Path, names: list[str] | None = None, k: int = K) -> list[BriefScore]:
    """Score every labelled brief (or those in `names`) of the corpus."""
    labels = load_labels()
    chosen = [n for n in labels if names is None or n in names]
    scores = []
    with tempfile.TemporaryDirectory(prefix="ucop-bench-planning-") as tmp:
        for name in chosen:
            brief = corpus / "briefs" / f"{name}.md"
            text, report = write_article(brief, Path(tmp) / name, Path(tmp) / "cache")
            scores.append(
                score(name, read_article(text, report, brief.parent, corpus), labels[name], k)
            )
    return scores


def totals(scores: list[BriefScore]) -> dict[str, float | int]:
    """Figures over all briefs: recall and precision pooled over topics and passages."""
    topics = sum(s.topics for s in scores)
    retrieved = sum(s.retrieved for s in scores)
    return {
        "briefs": len(scores),
        "topics": topics,
        "topic_recall": round(sum(s.recalled for s in scores) / topics, 3) if topics else 0.0,
        "precision_at_k": round(sum(s.relevant for s in scores) / retrieved, 3)
        if retrieved
        else 0.0,
        "false_not_covered": sum(s.false_not_covered for s in scores),
        "stray_not_covered": sum(s.stray_not_covered for s in scores),
    }
