"""Property tests: random briefs and configs either load or raise ucop's own error."""

from __future__ import annotations

import contextlib
import string
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ucop.brief import load_brief
from ucop.config import load_settings
from ucop.errors import UcopError
from ucop.workflow.spec import parse_workflow

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.dates(),
)
yaml_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(string.ascii_lowercase + "_.", max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
config_keys = st.sampled_from(
    [
        "workflows",
        "provider",
        "agents",
        "retry",
        "prompts",
        "output",
        "max_parallel_agents",
        "enable_parallel_execution",
        "name",
        "timeout_s",
        "retries",
        "site",
        "bogus",
    ]
)
configs = st.dictionaries(
    config_keys,
    st.one_of(yaml_values, st.dictionaries(config_keys, yaml_values, max_size=4)),
    max_size=5,
)


@SETTINGS
@given(body=st.one_of(st.text(max_size=400), st.binary(max_size=200)))
def test_random_brief_bytes_load_or_raise_our_error(tmp_path_factory, body):
    path = tmp_path_factory.mktemp("b") / "brief.md"
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8", "replace"))
    with contextlib.suppress(UcopError):
        load_brief(path)


@SETTINGS
@given(
    front=st.dictionaries(
        st.sampled_from(["title", "audience", "tags", "sections", "sources", "slug", "date", "x"]),
        yaml_values,
        max_size=6,
    ),
    body=st.text(max_size=200),
)
def test_random_front_matter_loads_or_raises_our_error(tmp_path_factory, front, body):
    folder = tmp_path_factory.mktemp("f")
    (folder / "kb").mkdir()
    (folder / "kb" / "a.md").write_text("# A\n\ntext\n")
    path = folder / "brief.md"
    path.write_text("---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body)
    try:
        brief = load_brief(path)
    except UcopError:
        return
    assert brief.title and 1 <= brief.sections <= 200
    assert all(p is None or Path(p).exists() for p in brief.sources.values())


@SETTINGS
@given(data=configs)
def test_random_configs_load_or_raise_our_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("c") / "main.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    try:
        settings_ = load_settings(str(path), env={})
    except UcopError:
        return
    assert 1 <= settings_.config.workflows.max_parallel_agents <= 256


@SETTINGS
@given(
    data=st.one_of(
        yaml_values,
        st.fixed_dictionaries(
            {
                "name": st.text(max_size=5),
                "agents": st.lists(
                    st.dictionaries(
                        st.sampled_from(
                            ["name", "depends_on", "optional", "fan_out", "estimate_s", "agent"]
                        ),
                        yaml_values,
                        max_size=4,
                    ),
                    max_size=5,
                ),
            }
        ),
    )
)
def test_random_workflows_parse_or_raise_our_error(data):
    with contextlib.suppress(UcopError):
        parse_workflow(data)
