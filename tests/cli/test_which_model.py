"""Which model writes, said first: --model without a model provider, missing keys, Settings."""

from __future__ import annotations

import pytest

from tests.helpers import BRIEF, run_cli


@pytest.mark.parametrize("flag", [("--model", "gpt-4o"), ("--base-url", "http://127.0.0.1:9/v1")])
def test_a_model_flag_with_the_offline_writer_is_a_usage_error(tmp_path, flag):
    result = run_cli("generate", "-i", BRIEF, "-o", tmp_path / "out", *flag)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert flag[0] in result.stderr and "--provider" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_batch_refuses_it_too(tmp_path):
    result = run_cli("batch", BRIEF.parent, "-o", tmp_path / "out", "--model", "gpt-4o")
    assert result.exit_code == 2 and "--provider" in result.stderr


@pytest.mark.parametrize(
    ("provider", "said"), [("openai", "OPENAI_API_KEY"), ("azure", "AZURE_OPENAI_ENDPOINT")]
)
def test_a_missing_key_or_endpoint_comes_before_the_settings(tmp_path, provider, said):
    result = run_cli("generate", "-i", BRIEF, "-o", tmp_path / "out", "--provider", provider)
    assert result.exit_code == 2
    assert said in result.stderr
    assert "Settings" not in result.stderr and result.stderr.count("\n") == 1


def test_the_offline_notice_comes_first_and_last_and_no_cost_is_shown(tmp_path):
    result = run_cli("generate", "-i", BRIEF, "-o", tmp_path / "out", "--progress", "plain")
    assert result.exit_code == 0, result.stderr
    text = result.stderr
    first, last = text.find("Writing with the offline writer"), text.find("Written by the offline")
    assert 0 <= first < text.find("Settings") < text.find("Run summary") < last
    assert "Cost" not in text and "Rate limits" not in text and "answered 429" not in text
    model_row = next(line for line in text.splitlines() if line.strip().startswith("model "))
    assert "provider default" in model_row and "main.yaml" not in model_row
