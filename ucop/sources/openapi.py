"""OpenAPI 3.x and Swagger 2.0 specs, normalised into one plain shape with `$ref`s resolved.

`load_openapi` returns servers, auth schemes and a flat, sorted list of operations whose
parameters, bodies and responses carry ready-to-use examples (from the spec when it has them,
synthesised by `example_from_schema` when it does not). `api_chunks` turns operations into
retrieval chunks. Parsing and `$ref` resolution live in `ucop.sources.refs`, sample values
in `ucop.sources.samples`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ucop.errors import SourceError
from ucop.sources.frontmatter import locate, source_path
from ucop.sources.grammar import operation_problems, scheme_problems
from ucop.sources.refs import RefResolver, parse_document
from ucop.sources.samples import example_from_schema
from ucop.sources.text import one_line

__all__ = ["api_chunks", "example_from_schema", "load_openapi"]

METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
_NONE = object()  # "the spec gives no example" (None is a valid example value)


def load_openapi(
    path: Path, base: Path, *, ref_roots: Sequence[Path] = (), allow_outside_refs: bool = False
) -> dict[str, Any]:
    """Load an OpenAPI 3.x or Swagger 2.0 spec (YAML or JSON) into the normalised shape.

    A relative `path` is used as given if it exists, else taken from `base` (the brief's folder).
    File `$ref`s must stay inside the spec's own folder or one of `ref_roots` (symlinks
    resolved) unless `allow_outside_refs`; remote refs are never fetched. Operations whose
    path or parameter names do not fit the OpenAPI grammar are left out, each with a line in
    the result's `warnings`; titles, summaries and descriptions are one line of plain text.
    """
    file = locate(path, base)
    if not file.exists():
        raise SourceError(f"{file}: not found — fix sources.api in the brief", path=str(file))
    rel = source_path(file, base)
    doc = parse_document(file, rel)
    _check_shape(doc, rel)
    roots = None if allow_outside_refs else [file.resolve().parent, *ref_roots]
    resolver = RefResolver(file, doc, rel, roots=roots)
    swagger = "swagger" in doc
    try:
        spec = (_swagger_header if swagger else _openapi3_header)(doc, resolver)
        build = _swagger_operation if swagger else _openapi3_operation
        operations = _operations(doc, resolver, build)
    except RecursionError as exc:
        raise SourceError(
            f"{rel}: schemas nest too deeply to resolve — simplify the spec", path=rel
        ) from exc
    warnings = [*spec.pop("warnings", []), *_refuse_unsafe(operations)]
    return {"source": rel, **spec, "operations": operations, "warnings": warnings}


def _refuse_unsafe(operations: list[dict[str, Any]]) -> list[str]:
    """Drop operations whose path or parameter names would not be safe in code; say why."""
    warnings = []
    for op in list(operations):
        problems = operation_problems(op)
        if problems:
            operations.remove(op)
            warnings.append(
                f"operation {op['id']} ({op['method']}) left out: {'; '.join(problems)}"
            )
    return warnings


def _check_shape(doc: Any, rel: str) -> None:
    hint = "it is not an OpenAPI 3.x or Swagger 2.0 document — point sources.api at your spec"
    if not isinstance(doc, dict):
        raise SourceError(f"{rel}: {hint}", path=rel)
    if not str(doc.get("openapi", "")).startswith("3.") and str(doc.get("swagger")) != "2.0":
        raise SourceError(f'{rel}: no `openapi: 3.x` or `swagger: "2.0"` key, so {hint}', path=rel)
    if not isinstance(doc.get("paths"), dict):
        raise SourceError(f"{rel}: has no `paths` mapping, so {hint}", path=rel)


def _info(doc: dict[str, Any], fmt: str) -> dict[str, Any]:
    info = doc.get("info")
    if not isinstance(info, dict):
        info = {}
    return {
        "format": fmt,
        "title": one_line(info.get("title") or "", 200),
        "version": one_line(info.get("version") or "", 50),
        "description": one_line(info.get("description") or ""),
    }


def _openapi3_header(doc: dict[str, Any], res: RefResolver) -> dict[str, Any]:
    servers = []
    for server in _list(doc.get("servers")):
        if not isinstance(server, dict):
            continue
        url = str(server.get("url", ""))
        for name, var in _dict(server.get("variables")).items():
            url = url.replace("{" + name + "}", str(var.get("default", "")))
        servers.append(url.rstrip("/") or "/")
    schemes = res.resolve(_dict(_dict(doc.get("components")).get("securitySchemes")))
    auth, warnings = _safe_schemes(
        _auth(name, scheme) for name, scheme in schemes.items() if isinstance(scheme, dict)
    )
    header = _info(doc, f"openapi-{doc['openapi']}")
    return {**header, "servers": servers, "auth": auth, "warnings": warnings}


def _swagger_header(doc: dict[str, Any], res: RefResolver) -> dict[str, Any]:
    base_path = str(doc.get("basePath") or "").rstrip("/")
    host = doc.get("host")
    schemes = doc.get("schemes") or ["https"]
    servers = [f"{scheme}://{host}{base_path}" for scheme in schemes] if host else []
    if not host and base_path:
        servers = [base_path]
    definitions = res.resolve(_dict(doc.get("securityDefinitions")))
    auth, warnings = _safe_schemes(
        _auth(name, d) for name, d in definitions.items() if isinstance(d, dict)
    )
    header = _info(doc, f"swagger-{doc['swagger']}")
    return {**header, "servers": servers, "auth": auth, "warnings": warnings}


def _safe_schemes(schemes: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Security schemes whose parameter names are safe in code, and a warning per refusal."""
    kept, warnings = [], []
    for scheme in schemes:
        problems = scheme_problems(scheme)
        if problems:
            warnings.append(f"security scheme {scheme['name']} left out: {'; '.join(problems)}")
        else:
            kept.append(scheme)
    return kept, warnings


def _auth(name: str, scheme: dict[str, Any]) -> dict[str, Any]:
    """One security scheme; HTTP, basic and OAuth schemes all travel in `Authorization`."""
    kind = str(scheme.get("type", ""))
    if kind == "apiKey":
        return {
            "name": name,
            "type": kind,
            "scheme": None,
            "in": scheme.get("in"),
            "param": scheme.get("name"),
        }
    if kind == "http":
        http_scheme = str(scheme.get("scheme", "")).lower() or None
    else:
        http_scheme = "basic" if kind == "basic" else "bearer"
    return {
        "name": name,
        "type": kind,
        "scheme": http_scheme,
        "in": "header",
        "param": "Authorization",
    }


def _operations(doc: dict[str, Any], res: RefResolver, build: Any) -> list[dict[str, Any]]:
    """Every operation, sorted by path then GET, POST, PUT, PATCH, DELETE; ids made unique."""
    global_security = doc.get("security")
    operations: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in sorted(doc["paths"]):
        item = res.resolve(doc["paths"][path])
        if not isinstance(item, dict):
            continue
        shared = _list(item.get("parameters"))
        for method in METHODS:
            if isinstance(item.get(method), dict):
                op = build(doc, method, path, item[method], shared)
                op["security"] = _security(item[method], global_security)
                op["id"] = _unique(op["id"], seen)
                operations.append(op)
    return operations


def _list(value: Any) -> list[Any]:
    """`value` if it is a list; malformed specs sometimes put a mapping or string there."""
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    """`value` if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def _unique(candidate: str, seen: set[str]) -> str:
    result, n = candidate, 1
    while result in seen:
        n += 1
        result = f"{candidate}_{n}"
    seen.add(result)
    return result


def _security(op: dict[str, Any], global_security: Any) -> list[str]:
    requirements = op.get("security", global_security)
    names: list[str] = []
    for requirement in _list(requirements):
        if isinstance(requirement, dict):
            names.extend(n for n in requirement if n not in names)
    return names


def _base_operation(method: str, path: str, op: dict[str, Any]) -> dict[str, Any]:
    slug = re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "root"
    return {
        "id": one_line(op.get("operationId") or "", 120) or f"{method}_{slug}",
        "method": method.upper(),
        "path": path,
        "summary": one_line(op.get("summary") or "", 200),
        "description": one_line(op.get("description") or ""),
        "tags": [one_line(t, 80) for t in _list(op.get("tags"))],
    }


def _merged_parameters(shared: list[Any], own: list[Any]) -> list[dict[str, Any]]:
    """Path-level parameters overridden by operation-level ones with the same name and `in`."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for param in [*shared, *own]:
        if isinstance(param, dict) and "name" in param:
            merged[(str(param["name"]), str(param.get("in")))] = param
    return list(merged.values())


def _openapi3_operation(
    doc: Any, method: str, path: str, op: dict[str, Any], shared: list[Any]
) -> dict[str, Any]:
    params = _merged_parameters(shared, _list(op.get("parameters")))
    responses = _dict(op.get("responses"))
    return {
        **_base_operation(method, path, op),
        "parameters": [_parameter(p, p.get("schema") or _content_schema(p)) for p in params],
        "request_body": _openapi3_body(op.get("requestBody")),
        "responses": [
            _openapi3_response(s, responses[s]) for s in sorted(responses, key=_status_key)
        ],
    }


def _content_schema(param: dict[str, Any]) -> dict[str, Any]:
    content = param.get("content") or {}
    media = content.get(_pick_content(content)) or {}
    return media.get("schema") or {}


def _parameter(param: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    example = _explicit_example(param)
    return {
        "name": str(param["name"]),
        "in": str(param.get("in")),
        "required": bool(param.get("required")) or param.get("in") == "path",
        "description": one_line(param.get("description") or ""),
        "schema": schema,
        "example": example_from_schema(schema, for_request=True) if example is _NONE else example,
    }


def _explicit_example(holder: dict[str, Any]) -> Any:
    """`example`, `x-example` (2.0), else the first of an `examples` map; _NONE when absent."""
    if "example" in holder:
        return holder["example"]
    if "x-example" in holder:
        return holder["x-example"]
    examples = holder.get("examples")
    if isinstance(examples, dict) and examples:
        first = next(iter(examples.values()))
        return first.get("value") if isinstance(first, dict) else first
    return _NONE


def _pick_content(content: dict[str, Any]) -> str | None:
    """Prefer application/json, then any JSON type, then the first listed."""
    types = list(content)
    for wanted in ("application/json", "json"):
        for ctype in types:
            if ctype == wanted or (wanted == "json" and "json" in ctype):
                return ctype
    return types[0] if types else None


def _media(content: dict[str, Any], *, for_request: bool) -> tuple[str | None, Any, Any]:
    ctype = _pick_content(content)
    media = (content.get(ctype) or {}) if ctype else {}
    schema = media.get("schema") or None
    example = _explicit_example(media)
    if example is _NONE:
        example = example_from_schema(schema, for_request=for_request) if schema else None
    return ctype, schema, example


def _openapi3_body(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, dict):
        return None
    ctype, schema, example = _media(body.get("content") or {}, for_request=True)
    return {
        "content_type": ctype,
        "required": bool(body.get("required")),
        "schema": schema,
        "example": example,
    }


def _openapi3_response(status: Any, response: Any) -> dict[str, Any]:
    response = response if isinstance(response, dict) else {}
    ctype, schema, example = _media(response.get("content") or {}, for_request=False)
    return {
        "status": str(status),
        "description": one_line(response.get("description") or ""),
        "content_type": ctype,
        "schema": schema,
        "example": example,
    }


def _status_key(status: Any) -> tuple[int, str]:
    text = str(status)
    return (0, text.zfill(3)) if text.isdigit() else (1, text)


def _swagger_operation(
    doc: Any, method: str, path: str, op: dict[str, Any], shared: list[Any]
) -> dict[str, Any]:
    params = _merged_parameters(shared, _list(op.get("parameters")))
    consumes = op.get("consumes") or doc.get("consumes") or ["application/json"]
    produces = op.get("produces") or doc.get("produces") or ["application/json"]
    plain = [p for p in params if p.get("in") not in ("body", "formData")]
    responses = _dict(op.get("responses"))
    return {
        **_base_operation(method, path, op),
        "parameters": [_parameter(p, p.get("schema") or _swagger_schema(p)) for p in plain],
        "request_body": _swagger_body(params, consumes),
        "responses": [
            _swagger_response(s, responses[s], produces) for s in sorted(responses, key=_status_key)
        ],
    }


def _swagger_schema(param: dict[str, Any]) -> dict[str, Any]:
    """A 2.0 non-body parameter carries its schema keywords inline."""
    keys = ("type", "format", "enum", "items", "default", "minimum", "maximum", "pattern")
    schema = {k: param[k] for k in keys if k in param}
    if schema.get("type") == "file":  # 2.0's upload type is 3.x's binary string
        schema.update(type="string", format="binary")
    return schema


def _swagger_body(params: list[dict[str, Any]], consumes: list[str]) -> dict[str, Any] | None:
    """`in: body` becomes the request body; `in: formData` fields become an object schema."""
    body = next((p for p in params if p.get("in") == "body"), None)
    form = [p for p in params if p.get("in") == "formData"]
    if body is not None:
        schema = body.get("schema") or {}
        ctype = _pick_content(dict.fromkeys(consumes))
        required = bool(body.get("required"))
    elif form:
        props = {str(p["name"]): _swagger_schema(p) for p in form}
        schema = {
            "type": "object",
            "properties": props,
            "required": [p["name"] for p in form if p.get("required")],
        }
        multipart = any(p.get("type") == "file" for p in form) or "multipart/form-data" in consumes
        ctype = "multipart/form-data" if multipart else "application/x-www-form-urlencoded"
        required = any(p.get("required") for p in form)
    else:
        return None
    example = _explicit_example(body or {})
    if example is _NONE:
        example = example_from_schema(schema, for_request=True)
    return {"content_type": ctype, "required": required, "schema": schema, "example": example}


def _swagger_response(status: Any, response: Any, produces: list[str]) -> dict[str, Any]:
    response = response if isinstance(response, dict) else {}
    schema = response.get("schema") or None
    examples = response.get("examples") or {}
    ctype = _pick_content(dict.fromkeys([*examples, *produces])) if schema or examples else None
    if ctype in examples:
        example = examples[ctype]
    else:
        example = example_from_schema(schema) if schema else None
    return {
        "status": str(status),
        "description": one_line(response.get("description") or ""),
        "content_type": ctype,
        "schema": schema,
        "example": example,
    }


def api_chunks(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """One retrieval chunk per operation, keyed `api:<operation id>`."""
    return [_operation_chunk(spec, op) for op in spec["operations"]]


def _operation_chunk(spec: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    line = f"{op['method']} {op['path']}"
    lines = [line + (f" — {op['summary']}" if op["summary"] else ""), op["description"]]
    for param in op["parameters"]:
        need = "required" if param["required"] else "optional"
        lines.append(
            f"Parameter {param['name']} ({param['in']}, {need}): {param['description']}".rstrip(
                ": "
            )
        )
    body = op["request_body"]
    if body:
        fields = ", ".join((body["schema"] or {}).get("properties") or {})
        need = "required" if body["required"] else "optional"
        lines.append(
            f"Request body ({body['content_type']}, {need})"
            + (f": fields {fields}" if fields else "")
        )
    for response in op["responses"]:
        lines.append(f"Response {response['status']}: {response['description']}".rstrip(": "))
    if op["security"]:
        lines.append("Auth: " + ", ".join(op["security"]))
    return {
        "id": f"api:{op['id']}",
        "kind": "api",
        "source": spec["source"],
        "title": " > ".join(t for t in (spec["title"], line) if t),
        "heading": op["summary"] or line,
        "level": 0,
        "text": "\n".join(part for part in lines if part),
        "code_blocks": [],
    }
