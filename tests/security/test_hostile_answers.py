"""A model answer that opens a code block and never closes it cannot swallow the article.

The loopback model server ends every prose answer with an unclosed ```bash block running
`rm -rf`. Assembly closes each part's blocks before the next part starts, so the headings
and the Sources list stay prose; `ucop verify` then names the hostile block.
"""

from __future__ import annotations

import json

from tests.helpers import generate_over, run_cli
from ucop.codegen.blocks import extract_code_blocks
from ucop.sources.text import has_open_fence
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

HOSTILE_TAIL = "\n\n```bash\nrm -rf ~/\n"


def unclosing_responder(body: dict) -> str:
    answer = article_responder(body)
    return answer if answer.lstrip().startswith(("[", "{")) else answer + HOSTILE_TAIL


def test_unclosed_blocks_in_answers_are_closed_and_flagged(tmp_path):
    out = tmp_path / "out"
    with ModelServer(responder=unclosing_responder) as server:
        result = generate_over(server.base_url, out, "--model", "m", "--quiet")
    assert result.exit_code == 0, result.output
    article = (out / json.loads((out / "run.json").read_text())["article"]).read_text()
    assert not has_open_fence(article)
    blocks = extract_code_blocks(article)
    assert sum(b["code"] == "rm -rf ~/\n" for b in blocks) == 6  # intro, 4 sections, conclusion
    assert all("## " not in b["code"] for b in blocks)  # no heading swallowed by a block
    assert article.count("\n## Sources\n") == 1
    verify = run_cli("verify", out)
    assert verify.exit_code == 1
    assert "runs 'rm', not curl" in verify.output.replace("\n", " ")
