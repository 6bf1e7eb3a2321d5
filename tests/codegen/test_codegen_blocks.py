"""Fenced code block extraction."""

from __future__ import annotations

from ucop.codegen import extract_code_blocks

DOC = """---
title: x
---
# Title

```Python title="x.py"
print("hi")
```

- a list item:

  ```bash
  echo nested
  ```

~~~
no language
~~~

    indented code is not a fence
"""


def test_extracts_fences_with_lang_code_and_line():
    blocks = extract_code_blocks(DOC)
    assert blocks == [
        {"index": 0, "lang": "python", "code": 'print("hi")\n', "line": 6},
        {"index": 1, "lang": "bash", "code": "echo nested\n", "line": 12},
        {"index": 2, "lang": "", "code": "no language\n", "line": 16},
    ]


def test_no_fences():
    assert extract_code_blocks("just text\n\n    indented\n") == []
