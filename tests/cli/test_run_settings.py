"""The run settings are one typed definition: `RunSettings` (names and types) and `SETTINGS`
(where each goes), from which both the CLI's flags and `load_settings` work."""

from __future__ import annotations

import inspect
import types
import typing

import pytest

from ucop.commands.run_flags import RunFlags, with_run_flags
from ucop.config import Config, load_settings
from ucop.run_settings import SETTINGS, RunSettings


def _field(location: str) -> object:
    """The annotation of the Config field at "section.key"."""
    section, key = location.split(".")
    return Config.model_fields[section].annotation.model_fields[key].annotation  # type: ignore[union-attr]


def _without_none(hint: object) -> set[object]:
    args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    return {a for a in args if a is not type(None)}


def test_every_setting_goes_to_a_config_field_of_its_type():
    hints = typing.get_type_hints(RunSettings)
    assert set(hints) == set(SETTINGS) and len(SETTINGS) == 18
    for name, setting in SETTINGS.items():
        assert _without_none(hints[name]) == _without_none(_field(setting.location)), name


def test_a_misspelt_setting_is_refused_not_ignored(tmp_path):
    with pytest.raises(TypeError, match="not run settings: max_paralel, sitee"):
        load_settings(None, {"max_paralel": 3, "sitee": "hugo", "site": "hugo"}, {})
    settings = load_settings(None, {"max_parallel": 3}, {})
    assert settings.config.workflows.max_parallel_agents == 3


def test_the_flags_are_the_settings_with_their_declared_types():
    @with_run_flags
    def command(*, run: RunFlags) -> RunFlags:
        return run

    params = inspect.signature(command).parameters
    hints = typing.get_type_hints(RunSettings)
    flagged = {name for name in params if name in hints}
    assert flagged == set(hints) - {"api_version"}
    for name in flagged:
        assert params[name].annotation == hints[name], name
    defaults = {name: p.default.default for name, p in params.items()}
    run = command(**defaults)
    assert set(run.settings) == flagged and all(v is None for v in run.settings.values())
