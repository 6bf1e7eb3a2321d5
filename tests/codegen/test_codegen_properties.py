"""Property tests: whatever text a spec holds, generated code does only what the generator writes.

Arbitrary text goes into every spec field that reaches code (server URL, title, path
segments and template names, parameter names and examples in path, query and header, the
credential's parameter name, body examples, content types). The spec is loaded as a user's
would be; each operation the loader keeps must give Python whose syntax tree makes only the
generator's calls, and a curl command whose words hold no substitution, no extra command
and no variable but the credential's own.
"""

from __future__ import annotations

import ast
import json
import shlex
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ucop.codegen import curl_example, python_example
from ucop.codegen.audit import expanded_variables, generated_python_problems, shell_problems
from ucop.codegen.examples import credential_vars
from ucop.sources import load_openapi
from ucop.sources.text import close_fences, has_open_fence, one_line

NASTY = [
    "$(touch PWNED)", "`touch PWNED`", "'; touch PWNED #", '"; import os #', "\\", "{x}",
    "}{", "{__import__('os')}", "\n```bash\nid\n```\n", "\u2028", "\r\n", "!!", "@/etc/passwd",
    "<script>", "%00", "${HOME}", "&& id", "| sh", ";type=text/html", "\x00", "é", "x" * 40,
]  # fmt: skip
text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(NASTY),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=8)),
)
json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
# Names the grammar accepts, with every shell- and Python-significant character it lets through.
path_segment = st.from_regex(r"[A-Za-z0-9._~!$&'()*+,;=:@-]{0,12}", fullmatch=True)
template_name = st.from_regex(r"[A-Za-z0-9_.-]{1,10}", fullmatch=True)
header_name = st.from_regex(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}", fullmatch=True)
query_name = st.from_regex(r"[!#%&()*+,./:;=?@\[\]^_|~0-9A-Za-zé-]{1,12}", fullmatch=True)
scheme = st.one_of(
    st.just({"type": "http", "scheme": "bearer"}),
    st.just({"type": "http", "scheme": "basic"}),
    st.builds(lambda where, name: {"type": "apiKey", "in": where, "name": name},
              st.sampled_from(["header", "query"]), st.one_of(header_name, header_name, text)),
)  # fmt: skip
content_type = st.one_of(
    st.sampled_from(
        ["application/json", "multipart/form-data", "application/x-www-form-urlencoded"]
    ),
    text,
)
ALLOWED_OPTIONS = {"-X", "-H", "-u", "--data", "--data-raw", "-F", "--form-string"}


def usually(draw, valid):
    """A name the grammar accepts four times in five, else arbitrary text (to be refused)."""
    return draw(valid) if draw(st.integers(0, 4)) else draw(text)


@st.composite
def specs(draw):
    segment, name = usually(draw, path_segment), usually(draw, template_name)
    method = draw(st.sampled_from(["get", "post", "put", "patch", "delete"]))
    param = {"required": True, "schema": {"type": "string"}}
    operation = {
        "operationId": draw(text) or "op",
        "summary": draw(text),
        "parameters": [
            {**param, "name": name, "in": "path", "example": draw(json_value)},
            {
                **param,
                "name": usually(draw, query_name),
                "in": "query",
                "example": draw(json_value),
            },
            {
                **param,
                "name": usually(draw, header_name),
                "in": "header",
                "example": draw(json_value),
            },
        ],
        "responses": {"200": {"description": draw(text), "content": {draw(content_type): {}}}},
    }
    if draw(st.booleans()):
        example = draw(json_value)
        operation["requestBody"] = {"content": {draw(content_type): {"example": example}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": draw(text), "version": "1"},
        "servers": [{"url": draw(st.one_of(text, text.map(lambda t: "https://" + t)))}],
        "components": {"securitySchemes": {"auth": draw(scheme)}},
        "security": [{"auth": []}],
        "paths": {f"/{segment}/{{{name}}}": {method: operation}},
    }


def load(doc) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "openapi.json"
        file.write_text(json.dumps(doc), encoding="utf-8")
        return load_openapi(file, Path(folder))


def curl_words(code: str) -> list[str]:
    return shlex.split(code.replace("\\\n", " "))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_generated_code_makes_only_the_generators_calls(doc):
    spec = load(doc)
    for op in spec["operations"]:
        python = python_example(op, spec)
        assert generated_python_problems(python) == [], python
        calls = {
            ast.unparse(n.func) for n in ast.walk(ast.parse(python)) if isinstance(n, ast.Call)
        }
        assert calls <= {f"httpx.{op['method'].lower()}", "httpx.request", "print", "float"} | {
            "response.raise_for_status",
            "response.json",
        }
        curl = curl_example(op, spec)
        assert shell_problems(curl) == [], curl
        scheme = next(iter(spec["auth"]), None)
        assert expanded_variables(curl) <= set(credential_vars(scheme, spec))
        words = curl_words(curl)
        assert words[:3] == ["curl", "-X", op["method"]]
        options = words[4::2]  # after the URL, options and their values alternate
        assert set(options) <= ALLOWED_OPTIONS, words


@settings(max_examples=60, deadline=None)
@given(specs())
def test_values_reach_python_unchanged(doc):
    spec = load(doc)
    for op in spec["operations"]:
        tree = ast.parse(python_example(op, spec))
        params = [n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "params"]
        expected = {
            p["name"]: p["example"]
            for p in op["parameters"]
            if p["in"] == "query" and p["example"] is not None
        }
        if params:
            node = params[0].value
            shown = {
                ast.literal_eval(k): ast.literal_eval(v)
                for k, v in zip(node.keys, node.values, strict=True)
                if not isinstance(v, ast.Subscript)  # the credential, read from os.environ
            }
            assert shown == expected


FENCE_LINES = ["```", "~~~", "````", "```python", "  ~~~~", "    ```", "> ```", "- ```", "  ```"]
markdown_line = st.one_of(text, st.sampled_from(FENCE_LINES), st.sampled_from(["", "- item", "x"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(markdown_line, max_size=8).map("\n".join))
def test_text_from_sources_stays_one_line_and_fences_stay_closed(source):
    line = one_line(source)
    assert "\n" not in line and "```" not in line and "~~~" not in line and "<script" not in line
    closed = close_fences(source)
    assert not has_open_fence(closed)
    from ucop.codegen.blocks import extract_code_blocks

    after = closed + "\n\nAFTER-THE-PART\n"
    assert all("AFTER-THE-PART" not in b["code"] for b in extract_code_blocks(after))
