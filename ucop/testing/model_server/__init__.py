"""A model server that speaks the OpenAI and Anthropic HTTP APIs, with faults: on a socket on
127.0.0.1, or in process through an httpx transport.

Tests and benchmarks start one to exercise the real HTTP providers over a real socket:

    with ModelServer(latency_s=0.05) as server:
        server.enqueue(Fault.rate_limit(retry_after="1"), Fault.server_error(503))
        ...  # point a provider at server.base_url (OpenAI) or server.root_url (Anthropic)
        assert server.count == 3

or without one: `ProviderSettings(..., transport=server.transport())` hands each request
to the same handling in the caller's thread (see `transport`). Faults are scripted
(`enqueue`, applied to the next requests in order) or random (`fault_rate`, seeded). Every
request is recorded without its key. Run it by hand with
`python -m ucop.testing.model_server --port 8765 --latency 0.2`.

Real servers differ, and the server can play them (see `ucop.testing.misbehaviour`):
`misbehave=` answers like a sloppy model, `reject=("response_format",)` answers a request
carrying that argument with 400 "Unrecognized request argument", `models=` is what
`GET .../models` lists, and `/openai/deployments/{name}/chat/completions?api-version=...`
is Azure OpenAI's route (key in the `api-key` header). Chat routes match on their suffix,
so any base-URL path shape (`/api/v1`, `/openai/v1`, `/v1beta/openai`) works.
`counts` tallies requests by kind: openai, anthropic, azure, models, rejected, other.

Local servers: `persona="llama-cpp-python"` (or `openai`, `vllm`, `mistral`...) refuses
structured-output forms with that server's status and message (`personas`); `slots=1,
token_rate=400` generates one answer at a time at 400 words/s and queues the rest, and
answers llama-server's `GET /props` and `/slots` (`slots`; these probes are counted in
`probes`, not `requests`). `headers=` adds headers to every answer and `usage=` replaces
usage figures, to play servers that send junk.

With `limits=RateLimits(...)` it enforces request and token limits per fixed window and
sends OpenAI- or Anthropic-style rate-limit headers and 429s with Retry-After, like the real
APIs (`--limit-requests 3 --window 1` by hand).

The modules: `faults` (the fault language), `limits` (rate windows), `prompt_cache`,
`wire` (the three wire formats), `exchange` (one request's handling, shared by both
sides), `sockets` and `transport` (the two sides), `server` (state and counts), `cli`.
"""

from __future__ import annotations

from ucop.testing.model_server.cli import main
from ucop.testing.model_server.exchange import SECRET_HEADERS, RequestRecord
from ucop.testing.model_server.faults import FAULTS, Fault
from ucop.testing.model_server.limits import (
    RateLimits,
    RateWindow,
    Verdict,
    anthropic_headers,
    go_duration,
    openai_headers,
)
from ucop.testing.model_server.prompt_cache import PromptCache
from ucop.testing.model_server.server import ModelServer, Responder, echo_responder, loopback_server
from ucop.testing.model_server.transport import LoopbackTransport
from ucop.testing.model_server.wire import ANTHROPIC_PATH, AZURE_PATH, OPENAI_PATH

__all__ = [
    "ANTHROPIC_PATH",
    "AZURE_PATH",
    "FAULTS",
    "OPENAI_PATH",
    "SECRET_HEADERS",
    "Fault",
    "LoopbackTransport",
    "ModelServer",
    "PromptCache",
    "RateLimits",
    "RateWindow",
    "RequestRecord",
    "Responder",
    "Verdict",
    "anthropic_headers",
    "echo_responder",
    "go_duration",
    "loopback_server",
    "main",
    "openai_headers",
]
