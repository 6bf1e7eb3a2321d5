"""Structured output, asked for where the server offers it and dropped where it does not.

A provider lists the forms it can ask for, best first (OpenAI: a JSON schema, then plain JSON
mode; Anthropic: a forced tool). Many OpenAI-compatible servers reject an argument they do not
know with a 400 ("Unrecognized request argument supplied: response_format"); the provider
then steps down and asks again without it. The step is remembered for the provider's life (one
run), so a server that rejects the parameter sees a handful of rejected requests per run, not
one per request.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from ucop.errors import PermanentError

REJECTION_STATUSES = frozenset({400, 422})
# What servers say when they do not take an argument (OpenAI, vLLM, llama.cpp, FastAPI...).
REJECTION_WORDS = re.compile(
    r"(?i)unrecognized|unknown|unsupported|not supported|not permitted|not allowed|"
    r"response_format|json_schema|json_object|tool"
)


class StructuredOutput:
    """The structured-output form to use next, learnt from the server's rejections."""

    def __init__(self, forms: Sequence[str]) -> None:
        self._forms = list(forms)
        self._lock = threading.Lock()
        self.rejected = 0  # requests the server turned down because of the form

    @property
    def form(self) -> str | None:
        """The best form the server has not rejected yet; None to ask for plain text."""
        with self._lock:
            return self._forms[0] if self._forms else None

    def step_down(self, used: str, error: PermanentError) -> bool:
        """True when `error` rejects the `used` form: ask again with the next form (or none).

        A message that names the JSON-schema form drops only that form (JSON mode may still
        work); any other rejection drops structured output altogether, since the server does
        not know the argument at all.
        """
        if error.status not in REJECTION_STATUSES or not REJECTION_WORDS.search(str(error)):
            return False
        with self._lock:
            self.rejected += 1
            if not self._forms or self._forms[0] != used:
                return True  # another request already stepped down: just ask again
            if used == "json_schema" and "json_schema" in str(error).lower():
                self._forms.pop(0)
            else:
                self._forms.clear()
        return True
