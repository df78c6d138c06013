"""One database for the system of record: SQLite file by default, PostgreSQL by URL.

Every domain declares its tables on :class:`Base`; Alembic migrations (``db/migrations``) own the
schema, and :func:`open_database` upgrades a database to the newest revision before handing out an
engine (one per URL per process).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from ..errors import ConfigError


class Base(DeclarativeBase):
    pass


def metadata():
    """Every table of every domain (what the migrations are compared with)."""
    from ..accounts import tables as account_tables  # noqa: F401 - registers workspaces, users, keys, sessions
    from ..actions import tables  # noqa: F401 - registers the action ledger's tables
    from ..catalog import db  # noqa: F401 - registers the catalog's tables
    from ..runtime import tables as runtime_tables  # noqa: F401 - registers the runs and their events
    from ..shop import tables as shop_tables  # noqa: F401 - registers each workspace's shop
    from ..seller.refunds import tables as refund_tables  # noqa: F401 - registers the refund agent's cases
    from ..seller.disputes import tables as dispute_tables  # noqa: F401 - registers the Stripe webhook events taken

    return Base.metadata


MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def shown_url(url: str) -> str:
    """A database URL fit for a message or a log: its password masked."""
    import re

    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1***@", url)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        # SQLite: a writer waits for the one before it (the action ledger serialises a workspace's writers)
        engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises many types for a bad URL/driver
        raise ConfigError(f"cannot use database URL {shown_url(url)!r}: {str(exc).replace(url, shown_url(url))}",
                          hint="set TRADEWINDS_DATABASE_URL to sqlite:///path.db or postgresql+psycopg://...") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@cache
def open_database(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine
