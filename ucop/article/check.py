"""Checks on a generated article folder, for `ucop verify DIR` (and the tests)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path
from typing import Any

from ucop.errors import UcopError
from ucop.files import RUN_REPORT, previous_article

REQUIRED_KEYS = ("title", "description", "tags", "slug", "draft")
DATE_KEYS = ("date", "pubDate")

Result = tuple[str, bool, str]


def check_article(folder: Path) -> list[Result]:
    article = previous_article(folder) if folder.is_dir() else None
    if article is None:
        return [("article found", False, f"no article in {folder} - run ucop generate first")]
    from ucop.sources.frontmatter import read_text_file, split_front_matter

    results: list[Result] = [("article found", True, str(article))]
    try:
        front, body = split_front_matter(read_text_file(article), source=str(article))
    except UcopError as exc:
        return [*results, ("front matter parses", False, str(exc))]
    results.append(_front_matter(front))
    results.append(_not_partial(front, folder))
    results.append(_structure(body))
    spec = _spec(folder)
    results.append(_code(body, spec))
    results.append(_code_safety(body, folder, spec))
    from ucop.article.review import review_article

    return [*results, *review_article(body, front, folder)]


def _front_matter(front: dict[str, Any]) -> Result:
    missing = [k for k in REQUIRED_KEYS if k not in front]
    if not any(k in front for k in DATE_KEYS):
        missing.append("date")
    if missing:
        return ("front matter complete", False, f"missing: {', '.join(missing)}")
    return ("front matter complete", True, ", ".join(sorted(front)))


def _not_partial(front: dict[str, Any], folder: Path) -> Result:
    status = front.get("status")
    report = folder / RUN_REPORT
    if report.is_file():
        with contextlib.suppress(ValueError):
            status = status or json.loads(report.read_text("utf-8")).get("status")
    if status == "partial":
        parts = ", ".join(front.get("failed_parts") or []) or "see run.json"
        return ("article is complete (not partial)", False, f"partial: {parts}")
    return ("article is complete (not partial)", True, f"status {status or 'ok'}")


def _structure(body: str) -> Result:
    sections = [ln for ln in body.splitlines() if ln.startswith("## ")]
    words = len(body.split())
    problems = []
    if len(sections) < 2:
        problems.append(f"{len(sections)} sections")
    if not any(s.strip() == "## Sources" for s in sections):
        problems.append("no Sources list")
    if words < 150:
        problems.append(f"only {words} words")
    if "Draft note:** this section could not be written" in body:
        problems.append("a section is missing")
    if problems:
        return ("structure: sections, sources, length", False, "; ".join(problems))
    return (
        "structure: sections, sources, length",
        True,
        f"{len(sections)} sections, {words} words",
    )


def _code(body: str, spec: dict | None) -> Result:
    from ucop.codegen.validate import validate_markdown

    findings = validate_markdown(body, spec)
    blocks = {f["block"] for f in findings}
    bad = [f for f in findings if not f["ok"]]
    scope = "checked against the API spec" if spec else "syntax only (spec not found)"
    if bad:
        first = bad[0]
        return (
            "code blocks valid",
            False,
            f"{len(bad)} problem(s); line {first['line']} {first['lang']}: {first['message']}",
        )
    return ("code blocks valid", True, f"{len(blocks)} blocks, {scope}")


def _code_safety(body: str, folder: Path, spec: dict | None = None) -> Result:
    """Python blocks call only harmless modules; shell blocks are curl with quoted words.

    Every form of code is read (any fence label or none, indented, `<pre>`/`<code>`), and
    requests must reach only the spec's servers, with keys only in its auth header.

    A block quoted verbatim from the brief's own knowledge base is the docs' code, carried
    over and cited: it is counted, not audited. Everything else (generated examples, model
    text) must pass, so neither a spec nor a model can slip code past this check.
    """
    from ucop.codegen.audit import installed_packages, markdown_problems
    from ucop.codegen.hazards import reach_of
    from ucop.content.excerpts import below_page_imports

    docs = _kb_text(folder)
    quoted: list[str] = []

    def from_docs(code: str) -> bool:
        if docs and _plain_lines(below_page_imports(code, docs)) in docs:
            quoted.append(code)
            return True
        return False

    reach = reach_of(spec)
    reach = dataclasses.replace(reach, packages=reach.packages | installed_packages(docs))
    problems = markdown_problems(body, skip=from_docs, reach=reach)
    name = "code blocks are safe to run (HTTP client only, quoted shell words)"
    note = f"; {len(quoted)} block(s) quoted verbatim from the docs, not audited" if quoted else ""
    if problems:
        return (name, False, f"{len(problems)} problem(s); first: {problems[0]}{note}")
    done = "no eval/exec/files/subprocess in Python; shell is curl, export or pip install"
    return (name, True, f"{done}{note}")


def _plain_lines(text: str) -> str:
    """`text` with each line stripped: a quoted block matches however the docs indent it."""
    return "\n".join(line.strip() for line in text.strip().splitlines())


def _kb_text(folder: Path) -> str:
    """The brief's knowledge-base documents as plain lines, found through run.json ('' if
    none)."""
    try:
        report = json.loads((folder / RUN_REPORT).read_text("utf-8"))
        from ucop.brief import load_brief
        from ucop.sources.formats import read_document
        from ucop.sources.kb import kb_files

        kb = load_brief(Path(report["brief"])).sources.get("kb")
        if kb is None:
            return ""
        files = kb_files(kb) if kb.is_dir() else [kb]
        # As Markdown: a notebook's or an HTML page's code is found as the article quotes it.
        return "\n\f\n".join(_plain_lines(read_document(f, f.name)[1]) for f in files)
    except (OSError, ValueError, KeyError, TypeError, UcopError):
        return ""


def _spec(folder: Path) -> dict | None:
    """The API spec the article was written from, found through run.json's brief path."""
    try:
        report = json.loads((folder / RUN_REPORT).read_text("utf-8"))
        from ucop.brief import load_brief
        from ucop.sources import load_openapi

        brief = load_brief(Path(report["brief"]))
        api = brief.sources.get("api")
        roots = [p for p in brief.sources.values() if p is not None]
        return load_openapi(api, brief.base, ref_roots=roots) if api else None
    except (OSError, ValueError, KeyError, TypeError, UcopError):
        return None
