"""One JSON error shape for the whole API: ``{"error": {"code", "message", "hint", "details"}}``."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (BadInputError, BusyError, ConfigError, ConflictError, NotFoundError, PermissionDeniedError, RefusedError,
                      TradewindsError, UnauthenticatedError)
from ..models.chat import ModelError
from ..sourcing.report import GroundingError

# the first match wins. A model or provider failure, and a report whose claims its records do not support (a
# misbehaving summary model), are the upstream's (502); a missing setting is the server's (503)
STATUS = {UnauthenticatedError: 401, NotFoundError: 404, BadInputError: 422, BusyError: 429, PermissionDeniedError: 403, RefusedError: 403, ConflictError: 409,
          ModelError: 502, GroundingError: 502, ConfigError: 503}
logger = logging.getLogger("tradewinds.api")


class ErrorDetail(BaseModel):
    field: str
    problem: str
    value: Any = None


class ErrorInfo(BaseModel):
    code: str = Field(description="stable: not_found, bad_input, conflict, busy, refused, model_error, ...")
    message: str
    hint: str | None = Field(None, description="how to fix it")
    details: list[ErrorDetail] = Field(default_factory=list)


class ErrorOut(BaseModel):
    """The one error shape of the API."""

    error: ErrorInfo


# documented on every route (the OpenAPI document says what a client may get back, and the fuzz test holds it to it)
ERROR_RESPONSES: dict[int | str, dict] = {
    status: {"model": ErrorOut, "description": text} for status, text in (
        (400, "a request for a host this server does not answer"), (401, "no valid API key or session"),
        (403, "refused: permission, policy, a missing CSRF token or a cross-site request"),
        (404, "no such record, run or job"), (409, "conflicts with what is stored or still running"),
        (422, "bad input: which field, what was expected"), (429, "busy or over a quota: retry after the Retry-After seconds"),
        (500, "internal error (details in the server log)"), (502, "a model or its provider failed"),
        (503, "a setting is missing"))}


def error_body(code: str, message: str, hint: str | None = None, details: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "hint": hint, "details": details or []}}


# a downloaded document (a report's HTML) may carry catalog and spreadsheet text: no script, no remote load
DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'"


def document_headers(fmt: str) -> dict[str, str]:
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    if fmt in ("html", "md"):
        headers["Content-Security-Policy"] = DOCUMENT_CSP
    return headers


def _shown(value, limit: int = 200):
    """The offending input as JSON can carry it: a raw body's bytes as text, anything long cut (and said so)."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value[:limit]).decode("utf-8", "replace")
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + f"... ({len(value):,} characters)"
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    else:
        if len(text) <= limit:
            return value
    return text if len(text) <= limit else text[:limit] + "..."


HtmlError = Callable[[Request, int, str, "str | None"], Response]


def install(app: FastAPI, html: HtmlError | None = None) -> None:
    """JSON errors under /v1; pages of the web app get ``html``'s error page instead."""

    def answer(request: Request, status: int, body: dict) -> Response:
        if html is not None and not request.url.path.startswith(("/v1/", "/healthz")):
            return html(request, status, body["error"]["message"], body["error"]["hint"])
        return JSONResponse(body, status_code=status)

    @app.exception_handler(TradewindsError)
    async def _tradewinds(request: Request, exc: TradewindsError) -> Response:
        status = next((s for t, s in STATUS.items() if isinstance(exc, t)), 500)
        if status == 401 and html is not None and request.method == "GET" and not request.url.path.startswith(("/v1/", "/healthz", "/ui/")):
            return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)  # a page: log in first
        response = answer(request, status, error_body(exc.code, exc.message, exc.hint))
        if isinstance(exc, BusyError):
            response.headers["Retry-After"] = str(exc.retry_after)
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="tradewinds"'
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"], "value": _shown(e.get("input"))}
                   for e in exc.errors()]
        first = details[0] if details else {"field": "?", "problem": "invalid"}
        return answer(request, 422, error_body("bad_input", f"{first['field']}: {first['problem']}",
                                               "see details; the OpenAPI docs at /docs list valid values", details))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:  # the outermost edge: log, never leak internals
        logger.exception("unhandled error", exc_info=exc)
        return answer(request, 500, error_body("internal_error", "internal error", "retry; if it persists, check the server log"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return answer(request, exc.status_code, error_body(code, str(exc.detail)))
