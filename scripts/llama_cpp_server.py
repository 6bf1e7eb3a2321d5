"""llama-cpp-python's server, optionally with llama.cpp's extra weight buffers (AMX) off.

    VENV/bin/python scripts/llama_cpp_server.py --smoke MODEL.gguf [--no-extra-bufts]
    VENV/bin/python scripts/llama_cpp_server.py [--no-extra-bufts] --model MODEL.gguf ...

`--smoke` evaluates a prompt of a few hundred tokens in one batch and exits 0 if that worked:
a build that crashes on batched prompts dies here (SIGSEGV, exit -11/139), not in a run.

Why `--no-extra-bufts`: llama.cpp built with GGML_NATIVE on a CPU that reports AMX (Sapphire
Rapids and later) moves the weights into an AMX buffer and multiplies batched prompts with
tile instructions. In some virtual machines those fault: SIGSEGV at `ldtilecfg` in
`ggml_backend_amx_mul_mat` (llama.cpp issue #20824; PR #26954 on tile permissions and the tile
config). One token at a time never takes that path, which is why `--n_batch 1` "worked".
llama-cpp-python does not expose llama.cpp's `use_extra_bufts`; this sets it to false in the
model's default parameters before the server (or the smoke test) loads the model. The lasting
fix is a build without AMX (`scripts/real_model.sh` builds one with GGML_NATIVE=OFF).
"""

from __future__ import annotations

import sys

SMOKE_PROMPT = " ".join(f"word{i}" for i in range(150))  # ~500 tokens: one batch


def no_extra_buffers() -> None:
    """Load models without extra buffer types (AMX, CPU repack): the plain CPU buffer."""
    import llama_cpp.llama as llama_module

    default = llama_module.llama_cpp.llama_model_default_params

    def params():  # type: ignore[no-untyped-def]
        chosen = default()
        chosen.use_extra_bufts = False
        return chosen

    llama_module.llama_cpp.llama_model_default_params = params


def smoke(model: str) -> None:
    from llama_cpp import Llama

    llm = Llama(model, verbose=False, n_ctx=2048, n_batch=512)
    llm.create_completion(SMOKE_PROMPT, max_tokens=2, temperature=0)


def main(argv: list[str]) -> None:
    if "--no-extra-bufts" in argv:
        argv.remove("--no-extra-bufts")
        no_extra_buffers()
    if argv[:1] == ["--smoke"]:
        smoke(argv[1])
        return
    from llama_cpp.server.__main__ import main as serve

    sys.argv = ["llama_cpp.server", *argv]
    serve()


if __name__ == "__main__":
    main(sys.argv[1:])
