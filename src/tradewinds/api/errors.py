"""One JSON error shape for the whole API: ``{"error": {"code", "message", "hint", "details"}}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import BadInputError, NotFoundError, TradewindsError

STATUS = {NotFoundError: 404, BadInputError: 422}
logger = logging.getLogger("tradewinds.api")


def error_body(code: str, message: str, hint: str | None = None, details: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "hint": hint, "details": details or []}}


def install(app: FastAPI) -> None:
    @app.exception_handler(TradewindsError)
    async def _tradewinds(_: Request, exc: TradewindsError) -> JSONResponse:
        status = next((s for t, s in STATUS.items() if isinstance(exc, t)), 500)
        return JSONResponse(error_body(exc.code, exc.message, exc.hint), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"], "value": e.get("input")} for e in exc.errors()]
        first = details[0] if details else {"field": "?", "problem": "invalid"}
        return JSONResponse(error_body("bad_input", f"{first['field']}: {first['problem']}", "see details; the OpenAPI docs at /docs list valid values",
                                       details), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:  # the outermost edge: log, never leak internals
        logger.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_body("internal_error", "internal error", "retry; if it persists, check the server log"),
                            status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)
