"""The server: one set of services (``bootstrap()``), the JSON API (``api/``) and the web app (``web/``) composed in
one FastAPI app here, so that the API never imports the web app."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import __version__
from .bootstrap import Services, bootstrap
from .runtime import Runs
from .api import errors
from .api.auth import PUBLIC, document_security
from .api.guard import SameOriginGuard
from .api.routes import accounts, actions, bulk, catalog, disputes, listings, refunds, search, shop, sourcing, support

# routes that are not API routes (FastAPI's documentation, the static files) and need no login
PUBLIC_PATHS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static"}

logger = logging.getLogger("tradewinds.api")


@asynccontextmanager
async def _lifespan(app: FastAPI):
    from .sourcing.extract import warm_up

    # the language detector's models and the reading tables load in the background (~5 s on 2 cores), not in a request
    threading.Thread(target=warm_up, name="tradewinds-warm-up", daemon=True).start()
    interrupted = app.state.runs.interrupt_unfinished()  # runs a crash cut off: said so, their events kept
    if interrupted:
        logger.warning("%d run(s) were cut off by a restart and are now 'interrupted': %s", len(interrupted), ", ".join(interrupted[:10]))
    _clean_uploads(app.state.services.settings.data_dir / "uploads")
    try:
        yield
    finally:
        app.state.runs.shutdown()


def _clean_uploads(root) -> None:
    """Uploads still on disk at start belong to jobs a crash cut off: nothing will read them again."""
    import shutil

    if root.is_dir():
        for leftover in root.iterdir():
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)


def create_app(services: Services | None = None) -> FastAPI:
    app = FastAPI(title="Tradewinds API", version=__version__, lifespan=_lifespan,
                  description="B2B catalog, product search, AI sourcing runs, the action ledger and the workspace's accounts. "
                  "Send an API key as `Authorization: Bearer tw_...` (create one on the Keys page or with `tradewinds keys create`). "
                  "Every error answers {\"error\": {code, message, hint, details}}.")
    from .web import account, disputes as dispute_pages, pages, refunds as refund_pages, shop as shop_pages, support as support_pages

    app.state.services = services or bootstrap()
    app.state.accounts = app.state.services.accounts
    app.state.runs = Runs(app.state.services.repo.engine, workers=2, max_queued=app.state.services.settings.max_queued_jobs)
    errors.install(app, html=pages.error_page)
    for router in (search.router, catalog.router, sourcing.router, bulk.router, actions.router, accounts.router, shop.router, support.router, refunds.router,
                   disputes.router, disputes.public, listings.router):
        app.include_router(router, responses=errors.ERROR_RESPONSES)
    app.include_router(account.router)  # the web app (same process, same services): log in, keys, approvals, audit
    app.include_router(shop_pages.router)
    app.include_router(support_pages.router)
    app.include_router(refund_pages.router)
    app.include_router(dispute_pages.router)
    app.include_router(support_pages.public)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.HERE / "static"), name="static")

    app.add_middleware(SameOriginGuard, allowed_hosts=app.state.services.settings.allowed_host_names())

    @app.get("/healthz", tags=["ops"], dependencies=[PUBLIC])
    def healthz() -> dict:
        return {"status": "ok", "indexed_offers": app.state.services.backend.count()}

    document_security(app)
    return app
