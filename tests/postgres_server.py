"""A throwaway PostgreSQL server for the tests: Debian's binaries (scripts/ensure-test-tools.sh installs them),
a fresh cluster in a temporary directory on a free port on 127.0.0.1, trust auth, removed afterwards.
TRADEWINDS_TEST_POSTGRES_URL points the tests at an existing server instead."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator


def binaries() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


@contextlib.contextmanager
def temporary_server(bin_dir: str, durable: bool = False) -> Iterator[str]:
    """Yields a SQLAlchemy URL. ``durable``: fsync on, as in production (the tests turn it off for speed). As root, the cluster runs as the 'postgres' user (PostgreSQL refuses root)."""
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = tempfile.mkdtemp(prefix="tw-pg-")
    data = os.path.join(root, "data")
    if as_user:
        shutil.chown(root, "postgres")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)

    try:
        run(f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync")
        run(f"{bin_dir}/pg_ctl", "-D", data, "-l", os.path.join(root, "log"), "-w", "-t", "60", "start",
            "-o", f"-p {port} -c listen_addresses=127.0.0.1 -k {root}" + ("" if durable else " -c fsync=off -c full_page_writes=off"))
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
