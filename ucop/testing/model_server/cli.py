"""`python -m ucop.testing.model_server`: serve until Ctrl-C, for demos and benchmarks."""

from __future__ import annotations

import argparse
import time

from ucop.testing.misbehaviour import MODES
from ucop.testing.model_server.faults import FAULTS
from ucop.testing.model_server.limits import RateLimits
from ucop.testing.model_server.personas import PERSONAS
from ucop.testing.model_server.prompt_cache import PromptCache
from ucop.testing.model_server.server import ModelServer, echo_responder


def main(argv: list[str] | None = None) -> int:
    """Serve until Ctrl-C, printing the base URLs to point providers at."""
    parser = _parser()
    args = parser.parse_args(argv)
    server = _server(args)
    for spec in args.fault_rate:
        kind, _, p = spec.partition("=")
        if kind not in FAULTS:
            parser.error(f"--fault-rate: unknown fault {kind!r}; choose one of {', '.join(FAULTS)}")
        server.fault_rate(FAULTS[kind](), float(p or 0.1), seed=args.seed)
    with server:
        print(f"OpenAI base URL:    {server.base_url}", flush=True)
        print(f"Anthropic base URL: {server.root_url}", flush=True)
        print(f"Azure endpoint:     {server.root_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def _server(args: argparse.Namespace) -> ModelServer:
    from ucop.testing.responders import article_responder

    limits = None
    if args.limit_requests or args.limit_tokens:
        limits = RateLimits(args.limit_requests, args.limit_tokens, args.window)
    return ModelServer(
        latency_s=args.latency,
        jitter_s=args.jitter,
        seed=args.seed,
        port=args.port,
        responder=article_responder if args.responder == "article" else echo_responder,
        misbehave=args.misbehave,
        reject=args.reject,
        models=_split(args.models),
        limits=limits,
        prompt_cache=PromptCache(args.cache_min_tokens, args.cache_block),
        persona=args.persona,
        slots=args.slots,
        token_rate=args.token_rate,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ucop.testing.model_server",
        description="A loopback OpenAI/Anthropic-compatible model server for demos and benchmarks.",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per response")
    parser.add_argument("--jitter", type=float, default=0.0, help="extra random seconds, 0..J")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--responder",
        choices=("article", "echo"),
        default="article",
        help="article: answers ucop's prompts usefully (default); echo: repeats the prompt",
    )
    parser.add_argument(
        "--fault-rate",
        action="append",
        default=[],
        metavar="KIND=P",
        help=f"inject a fault with probability P; KIND is one of {', '.join(FAULTS)}",
    )
    _add_behaviour_options(parser)
    _add_limit_options(parser)
    return parser


def _add_behaviour_options(parser: argparse.ArgumentParser) -> None:
    """Flags that make the server act like a particular real model or server."""
    parser.add_argument(
        "--misbehave",
        action="append",
        default=[],
        choices=sorted(MODES),
        help="answer like a sloppy model: " + "; ".join(f"{k}: {v}" for k, v in MODES.items()),
    )
    parser.add_argument(
        "--reject",
        action="append",
        default=[],
        metavar="ARGUMENT",
        help="answer requests carrying this argument (e.g. response_format, tools) with a 400",
    )
    parser.add_argument(
        "--persona",
        choices=sorted(PERSONAS),
        help="refuse structured-output forms the way this real server does (status, message)",
    )
    parser.add_argument(
        "--slots",
        type=int,
        help="requests generated at once (a local llama.cpp server: 1); the rest queue",
    )
    parser.add_argument(
        "--token-rate",
        type=float,
        help="with --slots: words per second each slot generates (added to --latency)",
    )
    parser.add_argument(
        "--models",
        default="model-server",
        help="comma-separated model ids that GET /v1/models lists (empty: none)",
    )


def _add_limit_options(parser: argparse.ArgumentParser) -> None:
    """Rate limits per window, and the prompt cache's granularity."""
    parser.add_argument("--limit-requests", type=int, help="requests allowed per window")
    parser.add_argument("--limit-tokens", type=int, help="tokens (words) allowed per window")
    parser.add_argument("--window", type=float, default=60.0, help="limit window, seconds")
    parser.add_argument(
        "--cache-min-tokens",
        type=int,
        default=128,
        help="shortest prefix the prompt cache serves (real APIs: 1024)",
    )
    parser.add_argument(
        "--cache-block", type=int, default=16, help="prompt cache granularity (OpenAI: 128)"
    )


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())
