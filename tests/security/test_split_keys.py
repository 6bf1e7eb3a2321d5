"""A key the model splits up (a space, a line break, zero-width characters) is still cut out.

The loopback server writes the configured key into every answer in pieces; no file the run
writes (article, run.json, cache entries) holds it, even with the pieces joined again.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import generate_over
from tests.security.hostile import all_text
from ucop.redaction import redact_secrets
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

KEY = "sk-split-0123456789abcdefGHIJ"
SPLITS = {
    "space": "sk-split-01234 56789abcdefGHIJ",
    "line break": "sk-split-\n0123456789abcdefGHIJ",
    "zero-width": "sk-\u200bsplit-0123\u200c456789\u2060abcdefGHIJ",
    "punctuation": "sk-split-0123.4567-89ab_cdef GHIJ",
    "soft hyphen": "sk-split-01234\u00ad56789abcdefGHIJ",
}
GAPS = re.compile(r"[\s\u00ad\u200b-\u200f\u2060\ufeff\-_.,]+")


def joined(text: str) -> str:
    """The text with every gap a key could hide behind removed."""
    return GAPS.sub("", text)


@pytest.mark.parametrize("name", sorted(SPLITS))
def test_redaction_catches_each_split(name):
    text = f"Here is the key: {SPLITS[name]} - keep it safe."
    redacted = redact_secrets(text, [KEY])
    assert joined(KEY) not in joined(redacted) and "[redacted]" in redacted
    assert redacted.startswith("Here is the key: ") and redacted.endswith(" - keep it safe.")


def test_ordinary_text_is_left_alone():
    text = "sk-split is a prefix; 0123456789 is a number; abcdef GHIJ are letters."
    assert redact_secrets(text, [KEY]) == text


def test_no_split_key_reaches_the_article_report_or_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("UCOP_CACHE_DIR", str(tmp_path / "cache"))

    def leaky(body: dict) -> str:
        answer = article_responder(body)
        pieces = " ".join(SPLITS.values())
        if answer.lstrip().startswith(("[", "{")):
            data = json.loads(answer)
            return json.dumps({"note": pieces, **data} if isinstance(data, dict) else data)
        return f"{answer} The key is {pieces}."

    out = tmp_path / "out"
    with ModelServer(responder=leaky, api_key=KEY) as server:
        result = generate_over(server.base_url, out, "--model", "m", "-q")
    assert result.exit_code == 0, result.output
    written = all_text(out, tmp_path / "cache")
    assert any((tmp_path / "cache").rglob("*.json"))
    assert joined(KEY) not in joined(written)
    assert joined(KEY) not in joined(result.output)
