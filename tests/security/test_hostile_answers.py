"""A model answer that carries a dangerous code block never reaches the article.

The loopback model server ends every prose answer with an unclosed ```bash block running
`rm -rf`. The judge rejects each such answer, asks once more (the stand-in model does it
again), then uses the offline draft for that part with a `model_answer_replaced` warning:
the article has no such block, no open fence, and `ucop verify` passes its code.
"""

from __future__ import annotations

import json

from tests.helpers import generate_over, run_cli
from ucop.codegen.blocks import all_code_blocks
from ucop.sources.text import has_open_fence
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

HOSTILE_TAIL = "\n\n```bash\nrm -rf ~/\n"
PROSE_PARTS = 6  # introduction, 4 sections, conclusion


def unclosing_responder(body: dict) -> str:
    answer = article_responder(body)
    return answer if answer.lstrip().startswith(("[", "{")) else answer + HOSTILE_TAIL


def test_answers_with_a_dangerous_block_are_replaced_by_the_offline_draft(tmp_path):
    out = tmp_path / "out"
    with ModelServer(responder=unclosing_responder) as server:
        result = generate_over(server.base_url, out, "--model", "m", "--quiet")
        calls = server.counts["openai"]
    assert result.exit_code == 0, result.output  # the outline and code explanations were kept
    report = json.loads((out / "run.json").read_text())
    article = (out / report["article"]).read_text()
    assert not has_open_fence(article)
    assert not [b for b in all_code_blocks(article) if "rm -rf" in b["code"]]
    replaced = [w for w in report["warnings"] if w["kind"] == "model_answer_replaced"]
    assert len(replaced) == PROSE_PARTS
    assert all("runs 'rm', not curl" in w["reason"] for w in replaced)
    assert report["status"] == "degraded"
    assert report["model_answers"] == {"kept": 2, "replaced": PROSE_PARTS}
    assert calls == 2 + 2 * PROSE_PARTS  # each prose part asked once more, with the reason
    verify = run_cli("verify", out)
    assert "✓ code blocks are safe to run" in verify.output
