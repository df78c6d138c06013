from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from tradewinds.settings import Settings, get_settings

from postgres_server import binaries, temporary_server


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No test sees the developer's TRADEWINDS_* variables, config file or ./data."""
    import os

    for key in list(os.environ):
        if key.startswith("TRADEWINDS_") and not key.startswith("TRADEWINDS_TEST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TRADEWINDS_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "tradewinds.toml").write_text("")  # and not the developer's ./tradewinds.toml
    monkeypatch.setenv("TRADEWINDS_CONFIG", str(tmp_path / "tradewinds.toml"))
    monkeypatch.setenv("TRADEWINDS_DEBUG", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def demo_services(tmp_path_factory):
    """A small demo catalog in a real SQLite file, indexed with the real embedder (~3 s)."""
    from tradewinds.bootstrap import bootstrap
    from tradewinds.catalog.service import build_demo, index_catalog

    data = tmp_path_factory.mktemp("demo")
    settings = Settings(data_dir=Path(data))
    services = bootstrap(settings)
    build_demo(services.repo, products=400, seed=7)
    index_catalog(services.repo, services.backend)
    return services


class Site(str):
    """A live server's base URL that also sends requests as one API key (an owner of workspace 'local' unless
    :meth:`as_` says otherwise): ``site.get("/v1/search", params=...)`` or ``site.get(f"{site}/v1/...")``."""

    def __new__(cls, url: str, app, token: str | None = None):
        self = super().__new__(cls, url)
        self.app, self.token = app, token
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self

    def as_(self, role: str = "owner", workspace: str = "local", user: str | None = None) -> "Site":
        return Site(str(self), self.app, api_key(self.app, role, workspace, user))

    def anonymous(self) -> "Site":
        return Site(str(self), self.app)

    def _url(self, url: str) -> str:
        return url if url.startswith("http") else str(self) + url

    def request(self, method: str, url: str, **kw):
        import httpx

        kw["headers"] = {**self.headers, **(kw.get("headers") or {})}
        return httpx.request(method, self._url(url), **kw)

    def get(self, url: str, **kw):
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw):
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw):
        return self.request("PUT", url, **kw)

    def delete(self, url: str, **kw):
        return self.request("DELETE", url, **kw)

    def stream(self, method: str, url: str, **kw):
        import httpx

        kw["headers"] = {**self.headers, **(kw.get("headers") or {})}
        return httpx.stream(method, self._url(url), **kw)


def api_key(app, role: str = "owner", workspace: str = "local", user: str | None = None) -> str:
    """A real API key of a user with ``role`` in ``workspace`` (made through the accounts service, as an admin would)."""
    from tradewinds.accounts import Role
    from tradewinds.accounts.service import SYSTEM

    accounts = app.state.accounts
    name = user or f"{role}-{workspace}"
    if name not in {u.name for u in accounts.users(workspace)}:  # an earlier test of the session may have added them
        accounts.add_user(workspace, name, Role(role), by=SYSTEM)
    principal = accounts.local_principal(workspace, name)
    return accounts.create_key(principal, f"tests {role}", Role(role)).token


@contextlib.contextmanager
def live_server(app, *, role: str | None = "owner"):
    """The app on a real uvicorn server on 127.0.0.1 (a free port), in a thread; yields its base URL as a :class:`Site`
    that sends an owner's API key (``role=None``: no key)."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        site = Site(f"http://127.0.0.1:{port}", app)
        yield site.as_(role) if role else site
    finally:
        srv.should_exit = True
        thread.join(5)


@pytest.fixture(scope="session")
def pg_url():
    """TRADEWINDS_TEST_POSTGRES_URL, else a throwaway local server (Debian's postgresql, scripts/ensure-test-tools.sh)."""
    if url := os.environ.get("TRADEWINDS_TEST_POSTGRES_URL"):
        yield url
        return
    bin_dir = binaries()
    if bin_dir is None:
        message = "PostgreSQL is not installed: run scripts/ensure-test-tools.sh, or set TRADEWINDS_TEST_POSTGRES_URL"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    pytest.importorskip("psycopg", reason="pip install -e '.[dev]' (psycopg is a dev and postgres extra)")
    with temporary_server(bin_dir) as url:
        yield url


def empty_postgres(engine) -> None:
    """Every table gone from a test server's database (each test starts from the migrations)."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """An empty database at the newest migration: a SQLite file, and a real PostgreSQL server."""
    from tradewinds.db import make_engine, upgrade

    if request.param == "postgresql":
        e = make_engine(request.getfixturevalue("pg_url"))
        empty_postgres(e)
    else:
        e = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade(e)
    yield e
    e.dispose()
