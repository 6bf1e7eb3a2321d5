"""Code agents: examples for the operations the outline assigned, then checks on every block.

The examples themselves are generated from the spec (Python with httpx, and curl), so paths,
methods and parameters come from the API's own description; the model writes the sentence
that explains each request. `code_validation` compiles and parses every block and checks each
request against the spec. It runs code only when the user enabled `output.run_code`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.agents.acceptance import calls_named, is_call, prose_words, without_calls
from ucop.agents.base import Agent, Fallback, RunServices, ask_model, register
from ucop.agents.json_answer import explanations_schema, find_json
from ucop.content.drafts import write_part
from ucop.engine.context import TaskContext
from ucop.engine.state import thaw
from ucop.errors import AgentError, UnusableOutput
from ucop.sources.text import one_line

_QUOTED = re.compile(r"`([^`\n]+)`|\{(\w+)\}")
MIN_EXPLANATION_WORDS = 2  # SmolLM2 answered {"getOrderById": 1}: a number explains nothing


def assigned_operations(outline: Mapping, api: Mapping) -> list[tuple[Mapping, int]]:
    """(operation, section index) for each operation an outline section owns, in order."""
    spec = api.get("spec") if api else None
    by_id = {op["id"]: op for op in (spec["operations"] if spec else ())}
    return [
        (by_id[op_id], section["index"])
        for section in outline.get("sections", ())
        for op_id in section["operations"]
        if op_id in by_id
    ]


def parse_explanations(ids: list[str], ops: Sequence[Mapping[str, Any]] = ()):
    """A parser for the model's {operation id: explanation} answer. An explanation must be
    words, and name no API call, quoted name or path parameter but its own operation's
    (`ops`, by id)."""
    by_id = {str(op["id"]): op for op in ops}

    def explains(op_id: str, text: str) -> bool:
        op = by_id.get(op_id)
        if not _sentence(text):
            return False
        if op is None:
            return True
        named = calls_named(text)
        return all(is_call(m, p, op) for m, p in named) and _own_names(text, op)

    def parse(text: str) -> dict[str, str]:
        data = find_json(
            text, lambda value: isinstance(value, dict) and not set(value).isdisjoint(ids)
        )
        if not isinstance(data, dict):
            raise UnusableOutput("expected a JSON object mapping operation ids to explanations")
        found = {k: one_line(v) for k, v in data.items() if k in ids and explains(k, one_line(v))}
        if not found:
            raise UnusableOutput(
                "the answer explained none of the requested operations in words"
                " (a number or a bare name is not an explanation)"
            )
        return found

    return parse


def _own_names(text: str, op: Mapping[str, Any]) -> bool:
    """True when each `quoted` name and {parameter} in `text`, outside the calls it names (which
    `is_call` checks), belongs to `op`: SmolLM2 explained
    POST /tasks with "a task with an id of {id} ... includes a `ping` event", another
    operation's words."""
    own = json.dumps(op, default=str).lower()
    params = {str(p.get("name", "")) for p in op.get("parameters") or ()}
    for quoted, placeholder in _QUOTED.findall(without_calls(text)):
        if any(word.lower() not in own for word in quoted.split()):
            return False
        if placeholder and placeholder not in params:
            return False
    return True


def _sentence(text: str) -> bool:
    """True for text with at least `MIN_EXPLANATION_WORDS` ordinary words (not `1`, not
    `POST /tasks`, nor `2023-07-06T18:59:49.174ZMADLKVJWB.com/...`)."""
    return prose_words(text) >= MIN_EXPLANATION_WORDS


@register
class CodeGeneration(Agent):
    name = "code_generation"
    reads = {"outline": "outline_planner", "api": "api_ingestion"}
    prompt = "code_explanation"
    description = "Python (httpx) and curl examples from the spec"
    brief_fields = ("audience",)

    def cache_material(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> Any:
        """Only the operations the outline assigned matter, not the rest of the outline."""
        outline = inputs.get("outline") or {}
        api = inputs.get("api") or {}
        owned = [(op["id"], section) for op, section in assigned_operations(outline, api)]
        return {"operations": owned, "api": services.digest(api)}

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        from ucop.codegen.examples import UnsafeExample, curl_example, python_example

        outline = ctx.inputs.get("outline") or {}
        api = ctx.inputs.get("api") or {}
        chosen = assigned_operations(outline, api)
        if not chosen:
            return {"examples": []}
        spec = thaw(api["spec"])  # plain data for the generators
        ops = [_describe(op) for op, _ in chosen]
        ids = [op["id"] for op in ops]
        # The examples come from the spec and need no model: an unusable explanation must not
        # lose them, so the spec's own summaries explain them instead.
        variables = {"audience": services.brief.audience, "operations": ops}
        explanations = ask_model(
            ctx,
            services,
            "code_explanation",
            variables,
            task="code_explanation",
            draft=write_part("code_explanation", variables),
            parse=parse_explanations(ids, ops),
            schema=explanations_schema(ids),
            fallback=Fallback("the spec's own summaries explain the code examples", dict),
        )
        examples, refused = [], []
        for frozen_op, section in chosen:
            op = thaw(frozen_op)
            try:
                python, curl = python_example(op, spec), curl_example(op, spec)
            except UnsafeExample as exc:  # the spec's names got past the loader's checks
                refused.append(f"operation {op['id']}: {exc}")
                continue
            examples.append(
                {
                    "operation": op["id"],
                    "method": op["method"],
                    "path": op["path"],
                    "summary": one_line(op["summary"] or f"{op['method']} {op['path']}"),
                    "section": section,
                    "explanation": explanations.get(op["id"], one_line(op["summary"] or "")),
                    "python": python,
                    "curl": curl,
                }
            )
        return {"examples": examples, "refused": refused}


def _describe(op: Mapping) -> dict[str, Any]:
    return {
        "id": op["id"],
        "method": op["method"],
        "path": op["path"],
        "summary": op["summary"] or "",
        "description": (op["description"] or "")[:400],
    }


@register
class CodeValidation(Agent):
    name = "code_validation"
    reads = {"code": "code_generation", "api": "api_ingestion"}
    description = "compile, parse and check every request against the spec"

    def cache_material(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> Any:
        return super().cache_material(inputs, item, services) | {"run_code": services.run_code}

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        from ucop.codegen.validate import validate_block

        examples = (ctx.inputs.get("code") or {}).get("examples", ())
        spec = thaw((ctx.inputs.get("api") or {}).get("spec"))
        findings: list[dict[str, Any]] = []
        index = 0
        for example in examples:
            for lang in ("python", "bash"):
                code = example["python" if lang == "python" else "curl"]
                block = {"index": index, "lang": lang, "code": code, "line": 1}
                findings += [
                    dict(f, operation=example["operation"]) for f in validate_block(block, spec)
                ]
                index += 1
        if services.run_code and examples:
            from ucop.codegen.runcheck import run_examples

            findings += run_examples(examples, spec or {})
        bad = [f for f in findings if not f["ok"]]
        if bad:
            first = bad[0]
            raise AgentError(
                self.name,
                f"{len(bad)} check(s) failed; first: {first['operation']} {first['lang']} "
                f"{first['check']}: {first['message']}",
            )
        return {"blocks": index, "findings": findings}
