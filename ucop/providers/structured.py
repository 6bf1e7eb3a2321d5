"""Structured output, asked for where the server offers it and stepped down where it does not.

A provider lists the forms it can ask for, best first (OpenAI-compatible: a JSON schema, then
JSON mode with the schema alongside, which llama-cpp-python takes, then plain JSON mode;
Anthropic: a forced tool). Real servers say no in their own ways: OpenAI answers 400
("Unrecognized request argument supplied: response_format"), Mistral 422, llama-cpp-python
500 with a validation message ("Input should be 'text' or 'json_object'"). Any 4xx or 5xx
whose message names the parameter or a form makes the provider step down and ask again at
once, without the retry layer's backoff. The step is remembered for the provider's life (one
run), so a server sees at most one rejected request per form, not one per request.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from ucop.errors import ProviderError

# The forms, as `accepted` and run.json name them.
JSON_SCHEMA = "json_schema"
JSON_OBJECT_SCHEMA = "json_object_schema"  # {"type": "json_object", "schema": {...}}
JSON_OBJECT = "json_object"
# Statuses whose message is read at all: a 429 or an auth failure is never about the form.
IGNORED_STATUSES = frozenset({401, 403, 404, 408, 409, 429})
# What a 400/422 says when the server does not take an argument (OpenAI, vLLM, FastAPI...).
UNKNOWN_ARGUMENT = re.compile(
    r"(?i)unrecognized|unknown|unsupported|not supported|not permitted|not allowed|"
    r"extra (?:inputs|fields)"
)
# The parameter or a form, named: enough on any status, since a server error that names
# them is about them (llama-cpp-python's 500 for a `json_schema` it does not know).
NAMES_FORM = re.compile(r"(?i)response_format|json_schema|json_object|\bschema\b|\btools?\b")


class StructuredOutput:
    """The structured-output form to use next, learnt from the server's rejections."""

    def __init__(self, forms: Sequence[str]) -> None:
        self._forms = list(forms)
        self._lock = threading.Lock()
        self.rejected = 0  # requests the server turned down because of the form
        self.refused: list[str] = []  # forms the server said no to, in order
        self.accepted: str | None = None  # the form of the last answer; None: plain text

    @property
    def form(self) -> str | None:
        """The best form the server has not rejected yet; None to ask for plain text."""
        with self._lock:
            return self._forms[0] if self._forms else None

    def answered(self, form: str | None) -> None:
        """Note that an answer came back for a request asking for `form`."""
        with self._lock:
            self.accepted = form

    def step_down(self, used: str, error: ProviderError) -> bool:
        """True when `error` rejects the `used` form: ask again with the next form (or none).

        A message that names a form drops the form used (the next may still work); one that
        only says the argument is unknown drops structured output altogether.
        """
        if not is_rejection(error):
            return False
        with self._lock:
            self.rejected += 1
            if not self._forms or self._forms[0] != used:
                return True  # another request already stepped down: just ask again
            self.refused.append(used)
            if _names_a_form(str(error)):
                self._forms.pop(0)
            else:
                self._forms.clear()
        return True

    def as_dict(self) -> dict[str, object]:
        """For run.json: the forms offered, those refused, the one the server answered."""
        with self._lock:
            return {"accepted": self.accepted or "none", "refused": list(self.refused)}


def is_rejection(error: ProviderError) -> bool:
    """True for a 4xx or 5xx whose message says the server does not take the argument/form."""
    status = error.status
    if status is None or status < 400 or status in IGNORED_STATUSES:
        return False
    message = str(error)
    if NAMES_FORM.search(message):
        return True
    return status in (400, 422) and bool(UNKNOWN_ARGUMENT.search(message))


def _names_a_form(message: str) -> bool:
    return bool(re.search(r"(?i)json_schema|json_object|\bschema\b|'text'", message))
