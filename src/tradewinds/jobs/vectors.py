"""Vectors filled in behind the keywords.

Embedding a catalog is the slow part of indexing (the 20,000-product demo takes about a quarter of an
hour on 2 cores). So the demo is indexed for keywords and filters first, searchable in seconds, and
one background process (``tradewinds catalog vectors``, started detached and at low priority) embeds
the products and saves them a chunk at a time; every search process picks new vectors up as they
land (see ``search/embedded.py``). Runs say how much of the catalog they could search by meaning.

One filler at a time: it holds ``<data_dir>/vectors-fill.lock`` while it works, which is also how
anyone asks whether one is running (no pid files to go stale). The serve and source commands start
one when products are waiting and none runs, so a filler that was stopped resumes by itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, Field

from ..search.backend import Progress
from ..settings import Settings

try:
    import fcntl
except ImportError:  # Windows: no background filler (vectors are made in the foreground)
    fcntl = None

LOCK = "vectors-fill.lock"
LOG = "logs/vectors.log"


class FillStatus(BaseModel):
    coverage: float = Field(description="Share of products searchable by meaning")
    running: bool = Field(description="A background filler is embedding the rest")
    log: str | None = Field(None, description="The filler's log file")

    def describe(self) -> str:
        if self.coverage >= 1.0:
            return "vectors: every product (hybrid search)"
        state = "filling in the background" if self.running else "not filling: run `tradewinds catalog vectors`"
        return f"vectors: {self.coverage:.0%} of products, {state}; the rest are found by keywords"


@contextmanager
def _fill_lock(settings: Settings) -> Iterator[bool]:
    """Hold the filler's lock if it is free; yields whether it was (False: another filler has it)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / LOCK, "a+b") as fh:
        if fcntl is None:
            yield True
            return
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def running(settings: Settings) -> bool:
    with _fill_lock(settings) as free:
        return not free if fcntl is not None else False


def status(settings: Settings, backend) -> FillStatus:
    log = settings.data_dir / LOG
    return FillStatus(coverage=backend.vector_coverage(), running=running(settings), log=str(log) if log.exists() else None)


def start_background(settings: Settings, backend) -> bool:
    """Start a detached, low-priority filler when products wait for vectors and none runs; True if started."""
    if fcntl is None or backend.vector_coverage() >= 1.0 or running(settings):
        return False
    log_path = settings.data_dir / LOG
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TRADEWINDS_DATA_DIR": str(Path(settings.data_dir).resolve())}  # the same catalog and index
    env.update({f"TRADEWINDS_{k.upper()}": v for k, v in (("search_url", settings.search_url), ("database_url", settings.database_url)) if v})
    with open(log_path, "ab") as log:
        subprocess.Popen([sys.executable, "-m", "tradewinds", "catalog", "vectors", "--quiet"], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True, preexec_fn=lambda: os.nice(10))
    return True


def fill(settings: Settings, *, progress: Progress | None = None) -> int | None:
    """Embed every product waiting for a vector, holding the filler's lock; None if another filler has it.

    Loops until nothing waits: an import during the fill may add products the first pass did not see."""
    from ..bootstrap import bootstrap
    from ..catalog.service import fill_vectors

    with _fill_lock(settings) as free:
        if not free:
            return None
        total = 0
        while True:
            services = bootstrap(settings)
            try:
                filled = fill_vectors(services.repo, services.backend, progress=progress)
            finally:
                services.backend.close()
            total += filled
            if not filled:
                return total
