"""The runtime under sourcing and bulk: runs and events in the database, a bounded pool, cancellation, SSE without
threads, and what a kill -9 of the server leaves behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tradewinds.server import create_app
from tradewinds.db import make_engine, upgrade
from tradewinds.errors import BusyError
from tradewinds.runtime import Runs, StepEvent

from conftest import live_server


@pytest.fixture
def runs(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'runs.db'}")
    upgrade(engine)
    r = Runs(engine, workers=1, max_queued=1)
    yield r
    r.shutdown()


def _wait(runs, run_id, statuses=("done", "error", "cancelled", "interrupted"), timeout=30):
    deadline = time.monotonic() + timeout
    while (info := runs.get(run_id)).status not in statuses:
        assert time.monotonic() < deadline, f"{run_id} still {info.status}"
        time.sleep(0.02)
    return info


def test_a_runs_events_and_status_are_stored_and_outlive_the_pool(runs, tmp_path):
    runs.begin("run_a", "sourcing")
    runs.submit("run_a", lambda emit: [emit(StepEvent(step="search", message=f"line {i}")) for i in range(3)])
    assert _wait(runs, "run_a").status == "done"
    again = Runs(runs.engine)  # another process, or the same one after a restart
    assert [body["message"] for _, body in again.events("run_a")] == ["line 0", "line 1", "line 2"]
    assert again.get("run_a").status == "done"


def test_a_full_pool_and_queue_refuse_new_work_at_once(runs):
    release = threading.Event()
    for run_id in ("run_1", "run_2"):  # one running, one queued
        runs.begin(run_id, "bulk")
        runs.submit(run_id, lambda emit: release.wait(10))
    runs.begin("run_3", "bulk")
    with pytest.raises(BusyError) as info:
        runs.submit("run_3", lambda emit: None)
    assert info.value.retry_after > 0 and runs.get("run_3").status == "error"
    release.set()
    assert _wait(runs, "run_2").status == "done"


def test_a_cancelled_run_stops_at_its_next_step(runs):
    started, go_on = threading.Event(), threading.Event()

    def work(emit):
        emit(StepEvent(step="search", message="first"))
        started.set()
        go_on.wait(10)
        emit(StepEvent(step="search", message="second"))  # never written: the run was cancelled

    runs.begin("run_c", "sourcing")
    runs.submit("run_c", work)
    assert started.wait(10) and runs.cancel("run_c")
    go_on.set()
    assert _wait(runs, "run_c").status == "cancelled"
    assert [b["step"] for _, b in runs.events("run_c")] == ["search", "cancelled"]


def test_runs_of_a_dead_process_are_interrupted_at_start_and_say_so(runs):
    runs.begin("run_x", "bulk")
    runs.emit("run_x", StepEvent(step="search", message="line 1"))
    with runs.engine.begin() as conn:  # as left by a process that no longer exists
        from sqlalchemy import text

        conn.execute(text("UPDATE runs SET meta = :m"), {"m": json.dumps({"owner": f"{socket.gethostname()}:999999", "from_seq": 0})})
    assert Runs(runs.engine).interrupt_unfinished() == ["run_x"]
    assert runs.get("run_x").status == "interrupted"
    assert [b["step"] for _, b in runs.events("run_x")] == ["search", "interrupted"]
    live = Runs(runs.engine)
    live.begin("run_y", "bulk")  # owned by this live process: left alone
    assert live.interrupt_unfinished() == []


def test_the_model_call_budget_is_read(demo_services, tmp_path):
    from tradewinds.models import FakeChatModel, Gateway
    from tradewinds.sourcing.run import Budgets, RunStore, Sourcer

    fake = FakeChatModel(lambda r: json.dumps({"lines": [{"product": "ceramic mug", "quantity": 300, "specs": []}]}), model="x")
    settings = demo_services.settings.model_copy(update={"data_dir": tmp_path, "model_routes": {"default": ["fake:x"]}})
    gateway = Gateway(settings, models={"fake:x": fake}, cache=False)
    sourcer = Sourcer(demo_services.repo, demo_services.search, gateway, fx_rates=settings.fx_rates,
                      store=RunStore(tmp_path / "runs"), budgets=Budgets(max_model_calls=0))
    state, calls = sourcer.plan("300 ceramic mugs")
    assert (calls, len(fake.requests)) == (0, 0) and "model-call budget 0" in " ".join(state.ledger.notes)


def test_sse_streams_hold_no_thread_while_they_wait(demo_services):
    app = create_app(demo_services)
    release = threading.Event()
    with live_server(app) as url:
        runs = app.state.runs
        runs.begin("run_sse_wait", "sourcing")
        runs.emit("run_sse_wait", StepEvent(step="plan", message="waiting"))
        runs.submit("run_sse_wait", lambda emit: release.wait(60))
        from tradewinds.sourcing.run import RunState  # the run must exist for the route's 404 check
        from tradewinds.sourcing.schemas import Ledger

        demo_services.sourcer(model=False).store.save(RunState(run_id="run_sse_wait", ledger=Ledger(need="x", lines=[])))
        opened, stop = [], threading.Event()

        def follow():
            with httpx.Client(timeout=60, headers=url.headers) as c, c.stream("GET", f"{url}/v1/sourcing/runs/run_sse_wait/events") as r:
                opened.append(r.status_code)
                for _ in r.iter_lines():
                    if stop.is_set():
                        return

        streams = [threading.Thread(target=follow, daemon=True) for _ in range(60)]  # above anyio's 40 worker threads
        for t in streams:
            t.start()
        deadline = time.monotonic() + 30
        while len(opened) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(opened) == 60
        t0 = time.perf_counter()
        r = url.get(f"{url}/v1/search", params={"q": "ceramic mug", "limit": 5}, timeout=10)
        assert r.status_code == 200 and time.perf_counter() - t0 < 5
        stop.set()
        release.set()
        for t in streams:
            t.join(10)


_SERVE = "import sys; from tradewinds.cli.app import main; sys.argv = ['tradewinds', 'serve', '--port', sys.argv[1]]; main()"


def _serve(data_dir, port):
    env = {**os.environ, "TRADEWINDS_DATA_DIR": str(data_dir), "TRADEWINDS_MODEL_ROUTES": '{"default": ["fake:none"]}'}
    proc = subprocess.Popen([sys.executable, "-c", _SERVE, str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.2)


def _owner_headers(data_dir) -> dict:
    """An owner's API key in that data directory's database, made as `tradewinds keys create` makes one."""
    from tradewinds.accounts import Role
    from tradewinds.accounts.service import Accounts
    from tradewinds.db import open_database

    accounts = Accounts(open_database(f"sqlite:///{data_dir / 'catalog.db'}"))
    key = accounts.create_key(accounts.local_principal("local", "kill-test"), "kill -9 test", Role.owner)
    return {"Authorization": f"Bearer {key.token}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _first(client, url, step, timeout=60):
    with client.stream("GET", url, timeout=timeout) as r:
        for line in r.iter_lines():
            if line == f"event: {step}":
                return


def _steps(client, url):
    out = []
    with client.stream("GET", url, timeout=60) as r:
        for line in r.iter_lines():
            if line.startswith("event: "):
                out.append(line[7:])
    return out


def test_kill_9_of_the_server_leaves_runs_interrupted_with_their_events_and_no_uploads(demo_services, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(demo_services.settings.data_dir, data)
    port = _free_port()
    auth = _owner_headers(data)
    server = _serve(data, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, headers=auth, timeout=60) as client:
            sheet = "Item,Qty\n" + "".join(f"ceramic coffee mug {i},{500 + i}\n" for i in range(400))
            job = client.post("/v1/bulk", files={"file": ("needs.csv", sheet.encode(), "text/csv")}).json()
            _first(client, job["events_url"], "line_done")
            run = client.post("/v1/sourcing/runs", json={"need": "We are opening a 40-room hotel in Lisbon", "no_model": True}).json()
            assert client.get(f"/v1/bulk/{job['job_id']}").json()["status"] == "running"
            assert any((data / "uploads").iterdir())
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(30)
    server = _serve(data, port)
    try:
        with httpx.Client(base_url=base, headers=auth, timeout=60) as client:
            bulk = client.get(f"/v1/bulk/{job['job_id']}").json()
            assert bulk["status"] == "interrupted"
            steps = _steps(client, job["events_url"])
            assert "line_done" in steps and steps[-1] == "interrupted"
            sourcing = client.get(f"/v1/sourcing/runs/{run['run_id']}").json()
            assert sourcing["status"] in ("interrupted", "done")  # a hotel plan may finish before the kill
            if sourcing["status"] == "interrupted":
                assert _steps(client, run["events_url"])[-1] == "interrupted"
                resumed = client.post(f"/v1/sourcing/runs/{run['run_id']}/start", json={"no_model": True}).json()
                assert resumed["status"] == "running"
                assert _steps(client, run["events_url"])[-1] == "done"
            assert not any((data / "uploads").iterdir())  # the killed job's upload is gone
    finally:
        server.terminate()
        server.wait(30)


def test_a_follow_up_while_its_run_runs_is_refused(demo_services):
    app = create_app(demo_services)
    release = threading.Event()
    with live_server(app) as url, httpx.Client(base_url=url, headers=url.headers, timeout=60) as client:
        planned = client.post("/v1/sourcing/runs", json={"need": "300 ceramic mugs", "no_model": True, "start": False}).json()
        runs = app.state.runs
        runs.begin(planned["run_id"], "sourcing")
        runs.submit(planned["run_id"], lambda emit: release.wait(30))
        r = client.post(f"/v1/sourcing/runs/{planned['run_id']}/follow-ups", json={"message": "only suppliers outside China"})
        assert r.status_code == 409 and "cancel" in r.json()["error"]["hint"]
        release.set()


def test_many_writers_on_sqlite_never_hit_a_locked_database(runs):
    errors, start = [], threading.Barrier(12)

    def writer(n: int):
        start.wait()
        try:
            for i in range(40):
                run_id = f"run_w{n}_{i % 4}"
                if i < 4:
                    runs.begin(run_id, "sourcing")
                runs.emit(run_id, StepEvent(step="search", message=f"{n}/{i}"))
        except Exception as exc:  # noqa: BLE001 - collected and asserted
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []  # a read-then-write transaction failed at once with 'database is locked' before
    assert sum(len(runs.events(f"run_w{n}_{k}")) for n in range(12) for k in range(4)) == 12 * 40
