"""What every agent shares: the base class, the run's services, and the one way to call a model.

An agent turns its dependencies' outputs (plus, for a fan-out instance, its item) into one
JSON-ready output. It never writes files and never retries a whole body: retries happen per
model call, inside `ask_model`, so a body runs exactly once per run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from ucop.brief import Brief
from ucop.engine.context import TaskContext
from ucop.engine.state import thaw
from ucop.errors import UnusableOutput
from ucop.prompts import SHARED_SEPARATOR, PromptLibrary, join_shared
from ucop.providers.base import Completion, CompletionRequest, Message, Provider
from ucop.registry import Registry

if TYPE_CHECKING:
    from ucop.providers.retry import RetryPolicy
    from ucop.providers.usage import Usage

T = TypeVar("T")

# The roles of the sources; the judge of a model's answer draws on those the asker reads.
SOURCE_ROLES = ("kb", "api", "blog")

# Bump when an agent's output format changes, so old cache entries stop matching.
# 6: cited takeaways, one source entry per heading; 5: snippets open with their page imports;
# 4: inputs keyed by role
CACHE_VERSION = "6"


@dataclass
class RunServices:
    """Read-only things every agent of one run may use."""

    brief: Brief
    provider: Provider
    provider_name: str
    model: str
    prompts: PromptLibrary
    retry: RetryPolicy
    temperature: float = 0.3
    max_tokens: int = 1200
    call_timeout_s: float = 120.0
    run_code: bool = False
    allow_outside_refs: bool = False
    output_dir: Path | None = None
    site: str | None = None
    today: dt.date | None = None
    base_url: str | None = None  # part of the cache key: another server, another answer
    # The provider answers with the agent's own draft (its spec's `writes_drafts`): no fallback.
    drafts_only: bool = False
    usage: Usage | None = None  # what the provider's calls used (its pacing wrapper counts)
    _digests: dict[int, tuple[object, str]] = field(default_factory=dict, repr=False)
    _memo: dict[str, object] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def digest(self, value: object) -> str:
        """A stable hash of frozen JSON-like data, computed once per object per run."""
        with self._lock:
            hit = self._digests.get(id(value))
            if hit is not None and hit[0] is value:
                return hit[1]
        text = json.dumps(thaw(value), sort_keys=True, default=str)
        digest = hashlib.sha256(text.encode()).hexdigest()[:24]
        with self._lock:
            self._digests[id(value)] = (value, digest)
        return digest

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """Build a shared helper (a retrieval index, say) once per run, from any thread."""
        with self._lock:
            if key in self._memo:
                return cast(T, self._memo[key])  # one key, one kind of helper
        value = build()
        with self._lock:
            return cast(T, self._memo.setdefault(key, value))


class Agent:
    """Base class: subclasses set `name`, `prompt` (None when no model call) and `run`."""

    name: ClassVar[str] = ""
    prompt: ClassVar[str | None] = None
    description: ClassVar[str] = ""
    # The brief fields the output depends on: part of the cache key, so editing one re-runs
    # exactly the agents that read it.
    brief_fields: ClassVar[tuple[str, ...]] = ()
    cacheable: ClassVar[bool] = True
    # Inputs by role: role -> the step that fills it by default; `ctx.inputs` is keyed by role.
    # A workflow step may bind a role to another step (`reads: {outline: my_planner}`). An
    # agent without roles sees its dependencies by step name.
    reads: ClassVar[Mapping[str, str]] = {}

    _bound: Mapping[str, str] | None = None

    def bind(self, steps: Mapping[str, str]) -> Agent:
        """Fill the roles from these steps (role -> step; the workflow step's bindings)."""
        self._bound = dict(steps)
        return self

    @property
    def steps(self) -> Mapping[str, str]:
        """Role -> the step that fills it in this run (to name a missing part, say)."""
        return {**self.reads, **(self._bound or {})}

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        raise NotImplementedError

    def fan_out(self, inputs: Mapping[str, Any], services: RunServices) -> Sequence[Any] | None:
        """For fan-out agents: one item per instance. Others never call this."""
        raise NotImplementedError(f"agent '{self.name}' does not fan out")

    def model_calls(self, instances: int = 1) -> int:
        """How many model calls a run makes for this agent (for `ucop plan`)."""
        return instances if self.prompt else 0

    def cache_material(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> Any:
        """Everything besides the prompt and model settings that determines the output."""
        return {name: services.digest(value) for name, value in sorted(inputs.items())} | {
            "item": services.digest(item)
        }

    def cache_key(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> str | None:
        if not self.cacheable:
            return None
        parts = {
            "version": CACHE_VERSION,
            "agent": self.name,
            "material": self.cache_material(inputs, item, services),
            "brief": services.brief.digest(*self.brief_fields) if self.brief_fields else None,
        }
        if self.prompt:
            parts |= {
                "prompt": services.prompts.fingerprint(self.prompt),
                "provider": services.provider_name,
                "model": services.model,
                "temperature": services.temperature,
                "max_tokens": services.max_tokens,
            }
            if services.base_url:
                parts["base_url"] = services.base_url
        text = json.dumps(parts, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Fallback:
    """What an agent uses when the model's answer stays unusable: `build()`, described by `note`.

    Degrade, do not drop: a part built this way still exists, and the run report lists a
    `model_answer_replaced` warning for it; the run's status says how much was replaced
    (see `ucop.report.status`).
    """

    note: str
    build: Callable[[], Any]


def ask_model(
    ctx: TaskContext,
    services: RunServices,
    prompt: str,
    variables: dict[str, Any],
    *,
    task: str,
    parse: Callable[[str], Any] = lambda text: text,
    schema: Mapping[str, Any] | None = None,
    fallback: Fallback | None = None,
    draft: str = "",
) -> Any:
    """Render `prompt`, call the provider with retries, judge the answer, return `parse(text)`.

    The one place a model's answer is received. Reasoning (`<think>...</think>`) is stripped
    first. `parse` raises `UnusableOutput` for an answer it cannot use; that attempt is
    retried like a 429 would be. An answer that parses is then judged (see
    `agents/acceptance/`): one that echoes the prompt, invents names, cites passages it
    was not given or carries bad or dangerous code is asked for once more with the reason;
    if the second answer fails too, `fallback` (if given) supplies the result and a
    `model_answer_replaced` warning names the part and the reason. Retries and token usage
    are recorded on `ctx`. `schema` (the answer's JSON Schema) lets HTTP providers ask for
    structured output. Other failures are raised as they are. `draft` is the agent's own
    draft of the part, attached to the request (the offline writer answers with it).
    """
    request = _request(ctx, services, prompt, variables, task, schema, draft)
    judged = not services.drafts_only  # the draft writer is the reference
    evidence = _evidence(ctx, services, request, variables, schema) if judged else None
    cut: list[bool] = []  # per answer: it stopped at the token limit
    try:
        parsed, verdict, text = _answer(ctx, services, request, parse, evidence, cut)
        if not verdict.ok:
            retry = _corrected(request, text, verdict.reason)
            parsed, verdict, _ = _answer(ctx, services, retry, parse, evidence, cut)
    except UnusableOutput as error:
        if fallback is None or not judged:
            raise
        return _fall_back(ctx, task, fallback, _said_cut(str(error), cut))
    if verdict.ok:
        if judged:
            ctx.record_answer(kept=True)
        if cut[-1]:  # the answer the article keeps may end early
            ctx.warn(
                "truncated",
                f"{request.task}: the model stopped at the token limit; the answer may end "
                "early (raise provider.max_tokens)",
            )
        return parsed
    if fallback is None:
        raise UnusableOutput(f"{task}: the model's answer was rejected twice: {verdict.reason}")
    return _fall_back(ctx, task, fallback, _said_cut(verdict.reason, cut))


def _said_cut(reason: str, cut: Sequence[bool]) -> str:
    """A replaced answer's reason, saying when the model had stopped at the token limit."""
    if not any(cut):
        return reason
    return f"{reason}; it stopped at the token limit (raise provider.max_tokens)"


def _answer(
    ctx: TaskContext,
    services: RunServices,
    request: CompletionRequest,
    parse: Callable[[str], Any],
    evidence: Any,
    cut: list[bool],
) -> tuple[Any, Any, str]:
    """One model answer, with retries: (parsed, the judge's verdict, the text as sent);
    appends to `cut` whether it stopped at the token limit."""
    from ucop.agents.acceptance import ACCEPTED, judge, strip_reasoning

    retries_before = len(ctx.retries)
    try:
        completion, parsed, attempts = _call(
            ctx, services, request, lambda text: parse(strip_reasoning(text))
        )
    except BaseException:
        ctx.record_call(len(ctx.retries) - retries_before + 1)
        raise
    _record(ctx, completion, attempts)
    cut.append(completion.finish_reason in ("length", "max_tokens"))
    verdict = ACCEPTED if evidence is None else judge(strip_reasoning(completion.text), evidence)
    return parsed, verdict, completion.text


def _corrected(request: CompletionRequest, answer: str, reason: str) -> CompletionRequest:
    """The same request with the rejected answer and a short note on what was wrong."""
    note = (
        f"That answer cannot be used: {reason}. Answer the request again, following its "
        "instructions, using only the passages and names given."
    )
    messages = (*request.messages, Message("assistant", answer[:4000]), Message("user", note))
    return dataclasses.replace(request, messages=messages)


def _evidence(
    ctx: TaskContext,
    services: RunServices,
    request: CompletionRequest,
    variables: Mapping[str, Any],
    schema: Mapping[str, Any] | None,
) -> Any:
    """What the answer to `request` may draw on (see `acceptance.Evidence`)."""
    from ucop.agents.acceptance import Evidence, label_strings, prose_words, strings_in

    inputs = {role: ctx.inputs.get(role) for role in SOURCE_ROLES}
    spec = (inputs["api"] or {}).get("spec")
    passages = variables.get("passages") or ()
    return Evidence(
        instructions=tuple(m.content for m in request.messages),
        material=tuple(strings_in(variables)),
        passages=None if schema is not None else len(passages),  # prose cites its own list
        must_cite=request.task == "section",
        labels=tuple(label_strings(variables)),
        passage_words=sum(prose_words(str(p.get("text") or "")) for p in passages),
        others=tuple(str(t) for t in variables.get("others") or ()),
        spec=thaw(spec) if spec else None,
        sources=_sources(services, inputs),
    )


def _sources(services: RunServices, inputs: Mapping[str, Any]) -> Any:
    """The run's sources indexed for the judge, once per run (shared by every agent)."""
    from ucop.agents.acceptance import SourceIndex, generated_names, strings_in

    key = "acceptance:" + ":".join(services.digest(v) for v in inputs.values())

    def build() -> Any:
        brief = services.brief
        notes = [f"{r.title} {r.notes}" for r in brief.required]
        code = [str(c.get("markdown") or c.get("text") or "") for c in _kb_chunks(services, inputs)]
        spec = (inputs["api"] or {}).get("spec")
        texts = [brief.title, brief.body, brief.audience, *brief.tags, *notes]
        texts.append(generated_names(thaw(spec) if spec else None))
        # keys too: a spec's schema property names are names an answer may use
        return SourceIndex.of([*texts, *strings_in(dict(inputs), keys=True)], code)

    return services.memo(key, build)


def draft_fallback(
    draft: str,
    *,
    parse: Callable[[str], Any] = lambda text: text,
    note: str = "the offline writer's draft was used for this part",
) -> Fallback:
    """A `Fallback` to the agent's own draft of the part: grounded in the sources, no model."""

    def build() -> Any:
        return parse(draft)

    return Fallback(note, build)


def _request(
    ctx: TaskContext,
    services: RunServices,
    prompt: str,
    variables: dict[str, Any],
    task: str,
    schema: Mapping[str, Any] | None,
    draft: str = "",
) -> CompletionRequest:
    system, shared, per_call = services.prompts.render_parts(prompt, variables)
    timeout = services.call_timeout_s
    left = ctx.time_left()
    return CompletionRequest(
        messages=(Message("system", system), Message("user", join_shared(shared, per_call))),
        model=services.model,
        max_tokens=services.max_tokens,
        temperature=services.temperature,
        timeout_s=min(timeout, left) if left is not None else timeout,
        task=task,
        draft=draft,
        schema=schema,
        shared_prefix=len(shared) + len(SHARED_SEPARATOR) if shared else 0,
    )


def _call(
    ctx: TaskContext,
    services: RunServices,
    request: CompletionRequest,
    parse: Callable[[str], Any],
) -> tuple[Completion, Any, int]:
    from ucop.providers.retry import call_with_retries

    return call_with_retries(
        services.provider,
        request,
        services.retry,
        deadline=ctx.deadline,
        on_retry=ctx.record_retry,
        cancelled=ctx.cancelled,
        parse=parse,
        sleep=ctx.sleep,  # a timed-out or cancelled agent stops waiting at once
    )


def _kb_chunks(services: RunServices, inputs: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every knowledge chunk, paged from the index (read once per run, model runs only)."""
    kb = inputs["kb"] or {}
    chunks: list[Mapping[str, Any]] = list(kb.get("plugin_chunks", ()))
    ref = kb.get("index")
    if ref and Path(ref["db"]).exists():
        from ucop.sources.index import IndexView

        view = IndexView(Path(ref["db"]), Path(ref["root"]), services.brief.base)
        try:
            chunks.extend(view)
        finally:
            view.close()
    return chunks


def _fall_back(ctx: TaskContext, task: str, fallback: Fallback, reason: str) -> Any:
    """The fallback's result, recorded as a replaced model answer (never cached)."""
    try:
        value = fallback.build()
    except UnusableOutput:
        raise UnusableOutput(f"{task}: {reason}") from None  # the fallback could not help
    ctx.record_answer(kept=False)
    ctx.warn(
        "model_answer_replaced",
        f"{task}: the model's answer was not used ({reason}); {fallback.note}",
        part=task,
        reason=reason,
    )
    return value


def _record(ctx: TaskContext, completion: Completion, attempts: int) -> None:
    ctx.record_call(attempts, completion.input_tokens, completion.output_tokens)


def _is_agent(value: Any) -> str | None:
    if isinstance(value, type) and issubclass(value, Agent) and value.name:
        return None
    return f"expected a named ucop Agent subclass, got {value!r}"


# Installed agents are imported when a workflow names them (`ucop.registry.Registry`).
AGENTS: Registry[type[Agent]] = Registry("ucop.agents", "agent", _is_agent)


def register(agent: type[Agent]) -> type[Agent]:
    """Make an agent kind available to workflows by its `name` (usable as a decorator)."""
    if not agent.name:
        raise ValueError(f"{agent.__name__} has no name")
    return AGENTS.register(agent.name, agent)
