"""Requests from where they should come from: a Host allow-list (no DNS rebinding) and, for every state-changing
request, the same origin (no cross-site form posts or fetches from a page the user happens to visit).

A pure ASGI middleware, so streamed responses (Server-Sent Events) pass through untouched.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from .errors import error_body

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _host_only(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1:host.index("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class SameOriginGuard:
    def __init__(self, app, allowed_hosts: list[str]) -> None:
        self.app = app
        self.allowed = {_host_only(h) for h in allowed_hosts}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if "*" not in self.allowed and _host_only(host) not in self.allowed:
            return await self._refuse(send, 400, "host_not_allowed", f"requests for host {host[:100]!r} are refused",
                                      "open the app at an allowed address, or add the host to TRADEWINDS_ALLOWED_HOSTS")
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin")
            if origin is not None:
                parts = urlsplit(origin)
                if origin == "null" or parts.netloc.lower() != host.lower():
                    return await self._refuse(send, 403, "cross_site", f"a {scope['method']} from {origin[:100]!r} is refused: "
                                              "changes are accepted only from this app's own pages",
                                              "send the request from the app itself, or with an API client that sends no Origin")
            elif headers.get("sec-fetch-site") == "cross-site":
                return await self._refuse(send, 403, "cross_site", "a cross-site request that changes state is refused",
                                          "send the request from the app itself")
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(send, status: int, code: str, message: str, hint: str) -> None:
        body = json.dumps(error_body(code, message, hint)).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
