"""Recorded mempool.space responses served through ``httpx.MockTransport`` (the network
boundary is the only thing replaced), shared by the io and CLI tests; the files are in
``tests/data/mempool`` (see its README)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

#: The recorded responses.
MEMPOOL_DATA = Path(__file__).parent / "data" / "mempool"

#: Current-state endpoints (``--live``) and the file that answers each.
ROUTES = {
    "/api/blocks/tip/height": "tip_height.json",
    "/api/v1/mining/hashrate/3d": "hashrate_3d.json",
    "/api/v1/blocks": "blocks.json",
    "/api/v1/blocks/916517": "blocks_916517.json",
    "/api/v1/prices": "prices.json",
}


def recorded_handler(
    overrides: dict[str, Callable[[httpx.Request], httpx.Response]] | None = None,
    seen: list[str] | None = None,
) -> Callable[[httpx.Request], httpx.Response]:
    """A handler answering the :data:`ROUTES` from their files (404 elsewhere).

    ``overrides`` answer some paths otherwise; ``seen`` collects the paths asked for.
    """

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if seen is not None:
            seen.append(path)
        if overrides and path in overrides:
            return overrides[path](request)
        if path not in ROUTES:
            return httpx.Response(404, text="Not found")
        body = (MEMPOOL_DATA / ROUTES[path]).read_bytes()
        ctype = "text/plain" if path.endswith("/height") else "application/json"
        return httpx.Response(200, content=body, headers={"content-type": ctype})

    return handler


def transport(folder: str, calls: list[str] | None = None) -> httpx.MockTransport:
    """Answer the four daily-history endpoints (``data update``) from the recorded files of
    ``folder``; ``calls`` collects the paths asked for."""
    root = MEMPOOL_DATA / folder

    def load(name: str) -> Any:
        return json.loads((root / name).read_text())

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if calls is not None:
            calls.append(path)
        if path.endswith("/v1/mining/difficulty-adjustments"):
            return httpx.Response(200, json=load("difficulty_adjustments.json"))
        if path.endswith("/v1/mining/blocks/fees/all"):
            return httpx.Response(200, json=load("blocks_fees_all.json"))
        if path.endswith("/v1/historical-price"):
            assert request.url.params["currency"] == "USD"
            return httpx.Response(200, json=load("historical_price.json"))
        if "/v1/mining/blocks/timestamp/" in path:
            ts = path.rsplit("/", 1)[1]
            blocks = load("blocks_timestamp.json")
            if ts in blocks:
                return httpx.Response(200, json=blocks[ts])
            return httpx.Response(404, text="Block not found")
        return httpx.Response(404, text="not found")

    return httpx.MockTransport(handler)
