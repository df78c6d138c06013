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


@contextlib.contextmanager
def live_server(app):
    """The app on a real uvicorn server on 127.0.0.1 (a free port), in a thread; yields its base URL."""
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
        yield f"http://127.0.0.1:{port}"
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
