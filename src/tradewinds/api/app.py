"""The FastAPI application: thin routes over the services built by ``bootstrap()``."""

from __future__ import annotations

from fastapi import FastAPI

from .. import __version__
from ..bootstrap import Services, bootstrap
from . import errors
from .routes import bulk, catalog, search, sourcing


def create_app(services: Services | None = None) -> FastAPI:
    app = FastAPI(title="Tradewinds API", version=__version__,
                  description="B2B catalog, product search and AI sourcing runs. Every error answers {\"error\": {code, message, hint, details}}.")
    app.state.services = services or bootstrap()
    errors.install(app)
    app.include_router(search.router)
    app.include_router(catalog.router)
    app.include_router(sourcing.router)
    app.include_router(bulk.router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict:
        return {"status": "ok", "indexed_offers": app.state.services.backend.count()}

    return app
