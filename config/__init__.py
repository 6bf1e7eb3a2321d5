"""The shipped configuration: `main.yaml`, `workflow.yaml`, `prompts/*.j2` and an example brief.

Package data found with `importlib.resources` (see `ucop.config.default_config_dir`); `ucop init`
writes an editable copy for a team to customise.
"""
