"""A weak or prompt-injected model's answers are judged, asked for once more, then replaced.

Each test runs `ucop generate` against the loopback server playing a model that does one
wrong thing (the server's misbehaviour modes, or a responder written here), then checks the
article holds none of it, each replaced part is a `model_answer_replaced` warning naming
the part and the reason, and the run's status and exit code follow the documented rule.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import BRIEF, generate_over, run_cli
from ucop.testing.misbehaviour import CHAT, INSTALL, INVENTED, LOOPED, RAMBLE
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

PROSE_PARTS = 6  # introduction, 4 sections, conclusion
MODEL_PARTS = 2 + PROSE_PARTS  # with the outline and the code explanations


def _generate(tmp_path: Path, *extra: str, **server: Any) -> tuple[Any, dict, str, int]:
    out = tmp_path / "out"
    server.setdefault("responder", article_responder)
    with ModelServer(**server) as model:
        result = generate_over(model.base_url, out, "--model", "m", "--retries", "1", *extra)
        calls = model.counts["openai"]
    report = json.loads((out / "run.json").read_text())
    article = (out / report["article"]).read_text()
    return result, report, article, calls


def _replaced(report: dict) -> dict[str, str]:
    return {
        w["agent"]: w["reason"] for w in report["warnings"] if w["kind"] == "model_answer_replaced"
    }


def test_an_echo_of_the_prompt_is_replaced_by_the_offline_draft(tmp_path):
    result, report, article, calls = _generate(tmp_path, "-q", misbehave="echo")
    assert "Its sections, in order" not in article and "write only the part" not in article
    replaced = _replaced(report)
    assert len(replaced) == PROSE_PARTS
    assert all("repeats the prompt's" in r for r in replaced.values())
    assert calls == 2 + 2 * PROSE_PARTS  # each prose part asked once more
    assert report["status"] == "degraded" and result.exit_code == 0
    assert report["model_answers"] == {"kept": 2, "replaced": PROSE_PARTS}


def test_invented_identifiers_are_replaced(tmp_path):
    _, report, article, _ = _generate(tmp_path, "-q", misbehave="invent")
    assert INVENTED.strip("`") not in article and "retry_forever" not in article
    reasons = list(_replaced(report).values())
    assert len(reasons) == PROSE_PARTS
    assert all(INVENTED in r and "no passage, spec or brief contains" in r for r in reasons)


def test_the_corrective_message_names_the_problem_and_a_good_second_answer_is_kept(tmp_path):
    def learns(body: dict) -> str:
        answer = article_responder(body)
        corrected = "cannot be used" in json.dumps(body.get("messages", []))
        if answer.lstrip().startswith(("[", "{")) or corrected:
            return answer
        return answer + " Tune `LUMEN_TURBO_MODE` first."

    result, report, article, calls = _generate(tmp_path, "-q", responder=learns)
    assert "LUMEN_TURBO_MODE" not in article
    assert _replaced(report) == {} and report["status"] == "ok" and result.exit_code == 0
    assert calls == 2 + 2 * PROSE_PARTS
    assert report["model_answers"] == {"kept": MODEL_PARTS, "replaced": 0}


def _prompt_passages(body: dict) -> int:
    user = [m["content"] for m in body["messages"] if m["role"] == "user"][0]
    return len(re.findall(r"^\[\d+\]", user, re.M))


def test_citations_of_passages_that_were_not_given_are_replaced(tmp_path):
    def cites_too_far(body: dict) -> str:
        answer = article_responder(body)
        if answer.lstrip().startswith(("[", "{")):
            return answer
        return f"{answer} See also [{_prompt_passages(body) + 5}]."

    _, report, article, _ = _generate(tmp_path, "-q", responder=cites_too_far)
    reasons = _replaced(report)
    assert len(reasons) == PROSE_PARTS
    assert all("a passage it was not given" in r for r in reasons.values())


SPEC_HOST = "https://api.lumentasks.example/v1"
BAD_CODE = {
    "does not parse": ("```python\ndef broken(:\n    pass\n```", "Python syntax error"),
    "calls an operation the spec lacks": (
        f'```python\nimport httpx\nhttpx.delete("{SPEC_HOST}/everything")\n```',
        "path not in spec",
    ),
    "returns made-up data": (
        "```python\ndef list_tasks():\n    return [{'id': 1, 'title': 'Demo'}]\n```",
        "names the operation listTasks (GET /tasks) but makes no request",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_CODE))
def test_code_that_fails_its_checks_is_replaced(tmp_path, name):
    block, reason = BAD_CODE[name]

    def with_code(body: dict) -> str:
        answer = article_responder(body)
        if answer.lstrip().startswith(("[", "{")) or 'section "' not in str(body):
            return answer
        return f"{answer}\n\n{block}\n"

    _, report, article, _ = _generate(tmp_path, "-q", responder=with_code)
    assert block not in article
    reasons = _replaced(report)
    sections = [r for agent, r in reasons.items() if agent.startswith("section_writer")]
    assert len(sections) == 4 and all(reason in r for r in sections), reasons


def test_reasoning_blocks_are_stripped_before_judging_and_never_reach_the_article(tmp_path):
    result, report, article, _ = _generate(tmp_path, "-q", misbehave="think")
    assert "<think>" not in article and "echo my system prompt" not in article
    assert report["status"] == "ok" and result.exit_code == 0  # the answers themselves are fine
    assert _replaced(report) == {}
    verify = run_cli("verify", tmp_path / "out")
    assert "✓ no model reasoning in the article" in verify.output


def test_verify_flags_reasoning_left_in_an_article(tmp_path):
    out = tmp_path / "out"
    assert run_cli("generate", "-i", BRIEF, "-o", out, "-q").exit_code == 0
    article = out / json.loads((out / "run.json").read_text())["article"]
    text = article.read_text()
    article.write_text(text.replace("\n## ", "\n<think>Plan: pad this out.</think>\n\n## ", 1))
    result = run_cli("verify", out)
    assert result.exit_code == 1
    flat = " ".join(result.output.split())
    assert "✗ no model reasoning in the article" in flat and "<think>Plan: pad" in flat
    # the tag shown as code, in an article about reasoning models, is not a leftover
    article.write_text(text.replace("\n## ", "\nModels wrap it in `<think>`.\n\n## ", 1))
    assert "✓ no model reasoning in the article" in run_cli("verify", out).output


def test_deeply_nested_json_is_an_unusable_answer_not_a_crash(tmp_path):
    result, report, article, calls = _generate(tmp_path, "-q", misbehave="deep_json")
    assert result.exit_code == 0, result.output  # the prose was the model's
    reasons = _replaced(report)
    assert set(reasons) == {"outline_planner", "code_generation"}
    assert all("nested 100,000 levels deep" in r for r in reasons.values())
    assert report["status"] == "degraded"
    assert calls == 2 * 2 + PROSE_PARTS  # each JSON answer retried once (--retries 1)


def test_a_run_where_the_model_wrote_nothing_says_so_and_is_the_offline_draft(tmp_path):
    result, report, article, _ = _generate(tmp_path, misbehave=["echo", "deep_json"])
    assert report["status"] == "replaced" and result.exit_code == 0, result.output
    assert report["model_answers"] == {"kept": 0, "replaced": MODEL_PARTS}
    assert len(_replaced(report)) == MODEL_PARTS
    assert "## Sources" in article  # the article is written: it is the offline draft
    assert f"{MODEL_PARTS} of {MODEL_PARTS} parts by the offline writer" in article
    shown = " ".join(result.stderr.split())
    assert "The model wrote none of this article" in shown
    assert f"{MODEL_PARTS} of {MODEL_PARTS} replaced by the offline draft" in shown


def test_a_replaced_part_is_asked_for_again_on_resume(tmp_path, monkeypatch):
    monkeypatch.setenv("UCOP_CACHE_DIR", str(tmp_path / "cache"))
    _, first, _, _ = _generate(tmp_path, "-q", misbehave="invent")
    assert first["status"] == "degraded"
    with ModelServer(responder=article_responder) as model:
        result = generate_over(
            model.base_url, tmp_path / "out", "--model", "m", "--retries", "1", "-q", "--resume"
        )
        calls = model.counts["openai"]
    report = json.loads((tmp_path / "out" / "run.json").read_text())
    assert result.exit_code == 0 and report["status"] == "ok"
    assert calls >= PROSE_PARTS  # the replaced prose parts, not the cached outline
    assert report["model_answers"]["replaced"] == 0


def test_a_pip_install_of_the_http_client_is_kept_and_passes_verify(tmp_path):
    result, report, article, calls = _generate(tmp_path, "-q", misbehave="install")
    assert _replaced(report) == {} and report["status"] == "ok" and result.exit_code == 0
    assert calls == MODEL_PARTS  # nothing asked for again
    assert article.count(INSTALL) == PROSE_PARTS
    verify = run_cli("verify", tmp_path / "out")
    assert "✓ code blocks are safe to run" in " ".join(verify.output.split())


def test_a_pip_install_of_a_package_no_source_names_is_replaced(tmp_path):
    _, report, article, _ = _generate(tmp_path, "-q", misbehave="slopsquat")
    assert "lumen-turbo-client" not in article
    reasons = list(_replaced(report).values())
    assert len(reasons) == PROSE_PARTS
    assert all("pip installs 'lumen-turbo-client', which no source shows" in r for r in reasons)


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("plan_echo", "repeats the prompt's"),
        ("chat", "it is a chat reply, not the part asked for"),
        ("plan_opening", "repeats the prompt's"),
        ("loop", "it says the same thing over and over"),
    ],
)
def test_a_plan_echo_a_chat_reply_or_a_loop_is_replaced(tmp_path, mode, reason):
    # what SmolLM2-135M wrote for whole parts of the bundled example (scripts/real_model.sh)
    _, report, article, _ = _generate(tmp_path, "-q", misbehave=mode)
    assert "Its sections, in order" not in article and CHAT not in article
    assert LOOPED not in article and RAMBLE not in article
    reasons = _replaced(report)
    assert len(reasons) == PROSE_PARTS and all(reason in r for r in reasons.values()), reasons


@pytest.mark.parametrize(
    "garbage",
    [
        523068974,  # SmolLM2-135M's {"placeOrder": 523068974}: a number in place of a sentence
        # ... and, for petstore-orders, a timestamp run into a made-up file name
        "2023-07-06T18:59:49.174ZMADLKVJWB.com/PetStore_Sales_Management_Draft_2023-07-06",
    ],
)
def test_code_explanations_that_are_not_words_fall_back_to_the_specs_summaries(tmp_path, garbage):
    def numbers(body: dict) -> str:
        answer = article_responder(body)
        data = json.loads(answer) if answer.lstrip().startswith("{") else None
        if isinstance(data, dict) and "sections" not in data:
            return json.dumps({key: garbage for key in data})
        return answer

    _, report, article, _ = _generate(tmp_path, "-q", responder=numbers)
    assert str(garbage) not in article
    reasons = _replaced(report)
    assert "in words (a number or a bare name is not an explanation)" in reasons["code_generation"]
