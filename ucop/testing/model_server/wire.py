"""The three wire formats the server speaks: OpenAI chat completions, Anthropic messages and
Azure OpenAI's deployment route, plus the model list and llama-server's slot reports.

Chat routes match on their suffix, so any base-URL path shape (`/api/v1`, `/openai/v1`,
`/v1beta/openai`) works. Everything here is pure: bodies in, bodies out.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"
AZURE_PATH = re.compile(r"^.*/openai/deployments/([^/]+)/chat/completions$")
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error"}


def route(path: str) -> str:
    """Which API a POST path speaks, by its suffix, so any base-URL prefix works."""
    plain = urlsplit(path).path.rstrip("/")
    if AZURE_PATH.match(plain):
        return "azure"
    if plain.endswith("/chat/completions"):
        return "openai"
    if plain.endswith(ANTHROPIC_PATH):
        return "anthropic"
    return "other"


def api_path(route: str) -> str:
    """The canonical path of a route, as the rate-limit and prompt-cache helpers name APIs."""
    return ANTHROPIC_PATH if route == "anthropic" else OPENAI_PATH


def deployment(path: str) -> str | None:
    """The Azure deployment a path names, if it is Azure's route."""
    match = AZURE_PATH.match(urlsplit(path).path)
    return match.group(1) if match else None


def is_slot_report(path: str) -> bool:
    """llama-server's slot reports: `GET /props`, `GET /slots` (at the root)."""
    return urlsplit(path).path.rstrip("/") in ("/props", "/slots")


def is_models(path: str) -> bool:
    return urlsplit(path).path.rstrip("/").endswith("/models")


def model_list(models: Sequence[str]) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": m, "object": "model"} for m in models]}


def parse(raw: bytes) -> Any:
    """The JSON body, or None when there is none or it is not JSON."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def encode(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def error(route: str, status: int, message: str) -> dict[str, Any]:
    """An error body in the route's API's shape."""
    kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    if route == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "code": None}}


def rejected_argument(body: Any, reject: frozenset[str]) -> str | None:
    """The first top-level argument of `body` the server plays as unknown, if any."""
    if not isinstance(body, dict):
        return None
    return next((name for name in sorted(reject) if name in body), None)


def completion(
    route: str,
    body: Mapping[str, Any],
    text: str,
    cut: bool = False,
    deployment: str | None = None,
    cached: int = 0,
    written: int = 0,
) -> dict[str, Any]:
    """A successful answer carrying `text`, in the route's API's shape, with usage in words."""
    model = str(body.get("model") or deployment or "model-server")
    if route == "anthropic":
        return _anthropic_message(body, text, model, cut, cached, written)
    prompt_words = prompt_words_of(body)
    output_words = len(text.split())
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "length" if cut else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_words,
            "completion_tokens": output_words,
            "total_tokens": prompt_words + output_words,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


def _anthropic_message(
    body: Mapping[str, Any], text: str, model: str, cut: bool, cached: int, written: int
) -> dict[str, Any]:
    content, stop = _anthropic_content(body, text)
    usage = {"input_tokens": prompt_words_of(body) - cached - written}
    usage["output_tokens"] = len(text.split())
    usage["cache_read_input_tokens"] = cached
    usage["cache_creation_input_tokens"] = written
    return {
        "id": "msg_loopback",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "max_tokens" if cut else stop,
        "usage": usage,
    }


def _forced_tool(body: Mapping[str, Any]) -> str | None:
    """The tool an Anthropic request forces with `tool_choice`, if any."""
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "tool":
        return str(choice.get("name") or "")
    return None


def _anthropic_content(body: Mapping[str, Any], text: str) -> tuple[list[dict[str, Any]], str]:
    """A forced tool gets a `tool_use` block when the answer is a JSON object, else text."""
    tool = _forced_tool(body)
    if tool:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            block = {"type": "tool_use", "id": "toolu_loopback", "name": tool, "input": data}
            return [block], "tool_use"
    return ([{"type": "text", "text": text}] if text else []), "end_turn"


def text_of(content: Any) -> str:
    """A message's text: a string, or the text of its content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return ""


def messages_of(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    messages = body.get("messages")
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


def last_user_text(body: Mapping[str, Any]) -> str:
    users = [m for m in messages_of(body) if m.get("role") == "user"]
    return text_of(users[-1].get("content")) if users else ""


def prompt_words_of(body: Mapping[str, Any]) -> int:
    """The prompt's size in words (the server's tokens): every message plus the system."""
    texts = [text_of(m.get("content")) for m in messages_of(body)] + [text_of(body.get("system"))]
    return sum(len(text.split()) for text in texts)
