"""verify's simulated model latency comes from the injected environment, within safe bounds."""

from __future__ import annotations

import pytest

from ucop.verify import SIM_LATENCY_S, _latency


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, SIM_LATENCY_S),
        ("0.03", 0.03),
        ("0", 0.01),  # below this the run measures thread overhead, not overlap
        ("5", 1.0),
        ("nan", SIM_LATENCY_S),
        ("fast", SIM_LATENCY_S),
        ("", SIM_LATENCY_S),
    ],
)
def test_latency_from_the_environment(text, expected):
    env = {} if text is None else {"UCOP_VERIFY_LATENCY_S": text}
    assert _latency(env) == expected
