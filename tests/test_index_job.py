"""Batch indexing on Ray: a job killed with SIGKILL resumes from its checkpoint and leaves one copy per offer."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tradewinds.bootstrap import bootstrap
from tradewinds.catalog.db import open_database
from tradewinds.catalog.repository import CatalogRepository
from tradewinds.jobs.index import Checkpoint
from tradewinds.settings import Settings

pytest.importorskip("ray")

CLI = [sys.executable, "-m", "tradewinds"]


def _wait_for_chunks(checkpoint: Path, proc: subprocess.Popen, n: int, timeout: float = 240) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline:
        done = len(Checkpoint(checkpoint).done()) if checkpoint.exists() else 0
        if done >= n:
            return done
        if proc.poll() is not None:
            pytest.fail(f"the job ended (rc {proc.returncode}) before it could be killed:\n{proc.stdout.read()}")
        time.sleep(0.05)
    pytest.fail("no checkpoint progress")


def _wait_until_group_gone(pgid: int, timeout: float = 15) -> None:
    """Until no live (non-zombie) process of the killed job's group is left holding ports or files."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        alive = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive.append(stat.parent.name)
        if not alive:
            return
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize("search", ["embedded", "milvus"])
def test_kill_9_then_resume_leaves_exactly_one_copy_of_every_offer(tmp_path, search):
    env = {**os.environ, "TRADEWINDS_DATA_DIR": str(tmp_path / "data"), "TRADEWINDS_DEBUG": "1"}
    if search == "milvus":
        env["TRADEWINDS_SEARCH_URL"] = f"milvus:{tmp_path / 'offers.db'}"
    subprocess.run([*CLI, "catalog", "demo", "--products", "150", "--no-index"], env=env, check=True, capture_output=True)
    settings = Settings(data_dir=tmp_path / "data", search_url=env.get("TRADEWINDS_SEARCH_URL"))
    repo = CatalogRepository(open_database(settings.resolved_database_url))  # not bootstrap: it would hold milvus-lite's file
    offers = repo.counts()["offers"]
    chunks = -(-repo.counts()["products"] // 8)  # every demo product has offers
    cmd = [*CLI, "catalog", "index", "--engine", "ray", "--workers", "2", "--chunk-size", "8"]

    # A new session: SIGKILL goes to the driver and every process it started (Ray, milvus-lite), like a lost node.
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    jobs = tmp_path / "data" / "jobs"
    next_checkpoint = None
    deadline = time.time() + 120
    while not (next_checkpoint := next(jobs.glob("index-*.done"), None)) and time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the job ended early:\n{proc.stdout.read()}")
        time.sleep(0.05)
    assert next_checkpoint, "the job never wrote a checkpoint"
    done_at_kill = _wait_for_chunks(next_checkpoint, proc, 3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    _wait_until_group_gone(proc.pid)
    assert proc.returncode == -signal.SIGKILL
    assert done_at_kill < chunks, "the job finished before the kill; use smaller chunks"

    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=400)
    assert second.returncode == 0, second.stdout + second.stderr
    resumed = re.search(r"resuming: (\d+) of (\d+) chunks already indexed", second.stderr)
    assert resumed and int(resumed.group(1)) >= done_at_kill and int(resumed.group(2)) == chunks, second.stderr
    assert not next_checkpoint.exists(), "a finished job removes its checkpoint"

    services = bootstrap(settings)
    backend = services.backend
    assert backend.count() == offers
    all_ids = set()
    for batch in services.repo.iter_offer_records():
        all_ids |= {r["id"] for r in batch}
    if search == "embedded":
        assert backend.index_.searcher().num_docs == offers  # lexical documents: one per offer, none doubled
        assert len(backend.columns) == offers and set(backend.columns.offer_ids) == all_ids
    else:
        rows = backend.client.query(backend.collection, filter='offer_id != ""', output_fields=["offer_id"], limit=16_000)
        ids = [r["offer_id"] for r in rows]
        assert len(ids) == len(set(ids)) == offers and set(ids) == all_ids
    backend.close()
