"""The parallel slots a local server reports: llama.cpp's llama-server `GET /props`, `/slots`.

llama-server runs `-np N` sequences at once and says so: `/props` carries `total_slots`, and
`/slots` lists one entry per slot (when started with `--slots`). A server that reports its
slots caps the concurrency limiter at that number from the first request, instead of it
having to find the queue by sending too many. Other servers answer 404, and nothing changes.
Only local servers are asked (a hosted API has no such route, and no reason to be probed).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ucop.providers.http import is_local_url

PROBE_TIMEOUT_S = 2.0
MAX_SLOTS = 1024


def server_root(base_url: str) -> str:
    """`http://host:port/v1` -> `http://host:port`: where llama-server serves /props."""
    root = base_url.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def read_slots(base_url: str, timeout_s: float = PROBE_TIMEOUT_S) -> int | None:
    """The slots a local server at `base_url` reports, or None (not local, no such route)."""
    if not is_local_url(base_url):
        return None
    root = server_root(base_url)
    props = _get_json(f"{root}/props", timeout_s)
    if isinstance(props, dict) and _count(props.get("total_slots")) is not None:
        return _count(props.get("total_slots"))
    listing = _get_json(f"{root}/slots", timeout_s)
    if isinstance(listing, list) and 0 < len(listing) <= MAX_SLOTS:
        return len(listing)
    return None


def _count(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_SLOTS:
        return value
    return None


def _get_json(url: str, timeout_s: float) -> Any:
    try:
        response = httpx.get(url, timeout=timeout_s, follow_redirects=False)
    except httpx.HTTPError:
        return None
    if response.status_code != 200 or len(response.content) > 1_000_000:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return None
