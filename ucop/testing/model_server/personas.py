"""How each server in the README's recipes table says no to a structured-output form.

The loopback server plays one with `ModelServer(persona="llama-cpp-python")` (or
`--persona` by hand): a request whose `response_format` asks for a form that server does not
take gets that server's status and error body, as observed or documented:

    llama-cpp-python  500, pydantic's "Input should be 'text' or 'json_object'" for json_schema
    openai            400, "Invalid parameter: 'response_format' of type 'json_object' ..." is
                      never sent; unknown arguments get "Unrecognized request argument supplied"
    mistral           422, FastAPI-style `detail` list ("Extra inputs are not permitted")
    ollama, vllm, groq, lm-studio, gemini: their own shapes, below

Parallel slots (llama-server's `GET /props` and `GET /slots`) are `ModelServer(slots=N)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

SCHEMA_FORMS = ("json_schema", "json_object_schema", "json_object")


@dataclass(frozen=True)
class Persona:
    """A server's structured-output forms and the answer it gives for the others."""

    name: str
    accepts: frozenset[str]  # forms from SCHEMA_FORMS (plain text is always taken)
    status: int
    error: Callable[[str], Any]  # the refused form -> the JSON error body


def requested_form(body: Mapping[str, Any]) -> str | None:
    """The structured-output form a chat request asks for; None for plain text."""
    fmt = body.get("response_format")
    if not isinstance(fmt, dict):
        return None
    kind = fmt.get("type")
    if kind == "json_object":
        return "json_object_schema" if "schema" in fmt else "json_object"
    return str(kind) if kind not in (None, "text") else None


def refusal(persona: Persona, body: Mapping[str, Any]) -> tuple[int, bytes] | None:
    """The persona's (status, body) for this request, or None when it takes it."""
    form = requested_form(body)
    if form is None or form in persona.accepts:
        return None
    return persona.status, json.dumps(persona.error(form)).encode()


def _pydantic_literal(form: str, allowed: str) -> str:
    kind = "json_object" if form.startswith("json_object") else form
    return str(
        [
            {
                "type": "literal_error",
                "loc": ("body", "response_format", "type"),
                "msg": f"Input should be {allowed}",
                "input": kind,
            }
        ]
    )


def _llama_cpp_python(form: str) -> Any:
    message = _pydantic_literal(form, "'text' or 'json_object'")
    return {"error": {"message": message, "type": "internal_server_error"}}


def _openai(form: str) -> Any:
    message = (
        f"Invalid parameter: 'response_format' of type '{form}' is not supported with this model."
    )
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": "response_format"}
    }


def _mistral(form: str) -> Any:
    detail = [
        {
            "type": "extra_forbidden",
            "loc": ["body", "response_format", form],
            "msg": "Extra inputs are not permitted",
        }
    ]
    return {"object": "error", "message": {"detail": detail}, "type": "invalid_request_error"}


def _vllm(form: str) -> Any:
    message = _pydantic_literal(form, "'text', 'json_object' or 'json_schema'")
    return {"object": "error", "message": message, "type": "BadRequestError", "code": 400}


def _ollama(form: str) -> Any:
    return {
        "error": {
            "message": f"invalid response_format type: {form}",
            "type": "invalid_request_error",
        }
    }


def _lm_studio(form: str) -> Any:
    return {"error": "'response_format.type' must be 'json_schema' or 'text'"}


def _groq(form: str) -> Any:
    message = f"response_format` type `{form}` is not supported with this model"
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": "response_format"}
    }


def _gemini(form: str) -> Any:
    message = (
        f"Invalid JSON payload received. Unknown name \"schema\" at 'response_format' ({form})"
    )
    return [{"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}]


def _llama_server(form: str) -> Any:
    return {
        "error": {
            "code": 400,
            "message": f"Unsupported response_format: {form}",
            "type": "invalid_request_error",
        }
    }


PERSONAS: dict[str, Persona] = {
    p.name: p
    for p in (
        Persona("openai", frozenset({"json_schema", "json_object"}), 400, _openai),
        Persona(
            "llama-cpp-python",
            frozenset({"json_object_schema", "json_object"}),
            500,
            _llama_cpp_python,
        ),
        Persona("llama-server", frozenset(SCHEMA_FORMS), 400, _llama_server),
        Persona("vllm", frozenset({"json_schema", "json_object"}), 400, _vllm),
        Persona("ollama", frozenset({"json_schema", "json_object"}), 400, _ollama),
        Persona("lm-studio", frozenset({"json_schema"}), 400, _lm_studio),
        Persona("groq", frozenset({"json_object"}), 400, _groq),
        Persona("gemini", frozenset({"json_schema", "json_object"}), 400, _gemini),
        Persona("mistral", frozenset({"json_object"}), 422, _mistral),
    )
}
