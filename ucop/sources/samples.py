"""Deterministic sample values for JSON schemas, used when a spec gives no example."""

from __future__ import annotations

from typing import Any

_STRING_SAMPLES = {
    "date": "2024-01-15",
    "date-time": "2024-01-15T09:30:00Z",
    "time": "09:30:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "byte": "U3dhZ2dlciByb2Nrcw==",
    "binary": "<binary data>",
    "password": "********",
}
_MAX_EXAMPLE_DEPTH = 8
_MISSING = object()


def example_from_schema(schema: Any, *, for_request: bool = False) -> Any:
    """A deterministic sample value for a JSON schema.

    Uses the schema's own `example`/`examples`/`default`/`const`/`enum` first; otherwise
    format-aware strings, 1 for integers, 1.5 for numbers, True for booleans, one-item arrays.
    With `for_request`, readOnly properties are left out (writeOnly ones otherwise). A
    recursive `$ref` cut by the loader yields None (or [] as array items).
    """
    return _sample(schema, for_request, 0)


def _sample(schema: Any, for_request: bool, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > _MAX_EXAMPLE_DEPTH or schema.get("x-recursive"):
        return None
    own = _own_example(schema)
    if own is not _MISSING:
        return own
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return _sample(schema[key][0], for_request, depth + 1)
    if schema.get("allOf"):
        parts = [_sample(part, for_request, depth + 1) for part in schema["allOf"]]
        merged = {k: v for part in parts if isinstance(part, dict) for k, v in part.items()}
        return merged if merged or not parts else parts[-1]
    kind = _schema_type(schema)
    if kind == "object":
        return _object_example(schema, for_request, depth)
    if kind == "array":
        item = schema.get("items")
        if isinstance(item, dict) and item.get("x-recursive"):
            return []
        return [_sample(item, for_request, depth + 1)]
    return _scalar_example(kind, schema)


def _own_example(schema: dict[str, Any]) -> Any:
    if "example" in schema:
        return schema["example"]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    for key in ("default", "const"):
        if key in schema:
            return schema[key]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    return _MISSING


def _schema_type(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind:
        return str(kind)
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    return "array" if "items" in schema else "string"


def _object_example(schema: dict[str, Any], for_request: bool, depth: int) -> dict[str, Any]:
    skip = "readOnly" if for_request else "writeOnly"
    result: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict) and not prop.get(skip):
            result[name] = _sample(prop, for_request, depth + 1)
    return result


def _scalar_example(kind: str, schema: dict[str, Any]) -> Any:
    if kind in ("integer", "number"):
        return _number(schema, 1 if kind == "integer" else 1.5)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    sample = _STRING_SAMPLES.get(str(schema.get("format", "")), "string")
    min_length = schema.get("minLength")
    return sample.ljust(min_length, "x") if isinstance(min_length, int) else sample


def _number(schema: dict[str, Any], value: float) -> Any:
    """`value`, moved inside `minimum`/`maximum` when the schema bounds exclude it."""
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, (int, float)) and value < low:
        value = low
    if isinstance(high, (int, float)) and value > high:
        value = high
    return value
