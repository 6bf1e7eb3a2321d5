"""What the run report and the files made from it call the model."""

from __future__ import annotations

import pytest

from ucop.report.run_report import published_model


@pytest.mark.parametrize(
    ("served", "published"),
    [
        ("/root/.cache/m/SmolLM2-135M-Instruct.Q4_1.gguf", "SmolLM2-135M-Instruct.Q4_1.gguf"),
        ("~/models/qwen2.gguf", "qwen2.gguf"),
        ("C:\\models\\llama.gguf", "llama.gguf"),
        ("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"),
        ("gpt-4o-mini", "gpt-4o-mini"),
    ],
)
def test_a_model_s_published_name_drops_local_folders(served, published):
    assert published_model(served) == published
