"""Code in articles: generate request examples, find code blocks, check them, run them."""

from __future__ import annotations

from ucop.codegen.blocks import extract_code_blocks
from ucop.codegen.examples import curl_example, python_example
from ucop.codegen.sandbox import run_python
from ucop.codegen.validate import validate_block, validate_markdown

__all__ = [
    "curl_example",
    "extract_code_blocks",
    "python_example",
    "run_python",
    "validate_block",
    "validate_markdown",
]
