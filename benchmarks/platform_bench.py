"""The platform under agents: the action ledger's throughput and latency on SQLite and PostgreSQL.

    python benchmarks/platform.py [--actions 2000] [--writers 1,8,32] [--no-postgres] [--streams 200] [--soak 1000]

For 1, 8 and 32 concurrent writers: actions per second and p95 latency through ActionLedger.submit (lock the
workspace's audit head, idempotency lookup, kill switches, policy limits summed over the day, the effect, the action
row and a hash-chained audit event, one transaction), against a plain insert of the same action rows, one
transaction each, by the same threads in the same run (the ratio is the ledger's cost). Writers share one workspace
(the worst case: its writes are serialised by design) and, in a second reading, each has its own. Then idempotent
replays (the same keys again). Then Server-Sent Events: --streams clients follow a running job's events on a real
uvicorn server while /v1/search p95 is measured, against the same search with no stream open (ratio; target <= 1.5x).
Then a soak: --soak mixed jobs (sourcing runs, bulk sheets, catalog imports, in turn) against a real
`tradewinds serve` process, then idle: its RSS against its level after a warm-up of 50 jobs (target: within 1.5x).
PostgreSQL is a throwaway local server with fsync on (Debian's binaries,
scripts/ensure-test-tools.sh), or TRADEWINDS_BENCH_POSTGRES_URL; skipped with a message when neither is there.
"""

from __future__ import annotations

import argparse
import sys
import os
import statistics
import subprocess
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Numeric, bindparam, insert, text

from tradewinds.accounts import Actor, Role
from tradewinds.actions import ActionLedger, ActionRequest, ActionType, Change, Limits, Policy, register
from tradewinds.actions.tables import ActionRow
from tradewinds.db import make_engine, upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
AGENT = Actor(kind="agent", id="bench-agent", role=Role.operator)
OWNER = Actor(kind="user", id="bench-owner", role=Role.owner)
_MOVE = text("INSERT INTO bench_wallet VALUES (:w, :a, :m)").bindparams(bindparam("m", type_=Numeric(20, 4)))


class PayIn(BaseModel):
    to: str
    amount: Decimal


class Pay(ActionType):
    """One row in a wallet table: the smallest real effect, so the figures are the ledger's own cost."""

    name = "bench.pay"
    effect = "money"
    params_model = PayIn

    def amount(self, params, change):
        return params.amount, "USD"

    def counterparty(self, params):
        return params.to

    def plan(self, conn, workspace_id, params):
        return Change(summary=f"pay {params.amount} USD to {params.to}")

    def apply(self, conn, workspace_id, params, change):
        conn.execute(_MOVE, {"w": workspace_id, "a": params.to, "m": params.amount})
        return {}


register(Pay())
OPEN = Policy(money=Limits(per_action=Decimal(10**9), per_day=Decimal(10**12), per_counterparty_day=Decimal(10**12),
                           per_agent_day=Decimal(10**12)))


def fresh(url: str):
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_wallet (workspace_id VARCHAR(64), account VARCHAR(64), "
                          "amount NUMERIC(20, 4))"))
    return engine


def run_threads(writers: int, per_writer: int, work) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock, start = threading.Lock(), threading.Barrier(writers + 1)

    def worker(w: int):
        start.wait()
        mine = []
        for i in range(per_writer):
            t = time.perf_counter()
            work(w, i)
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] * 1000 if len(xs) >= 20 else max(xs) * 1000


def measure(url: str, backend: str, writers: int, actions: int, shared: bool) -> dict:
    engine = fresh(url)
    ledger = ActionLedger(engine)
    per_writer = max(1, actions // writers)
    spaces = ["ws_shared"] if shared else [f"ws_{w}" for w in range(writers)]
    for ws in spaces:
        ledger.set_policy(ws, OPEN, OWNER)

    def ws_of(w: int) -> str:
        return spaces[0] if shared else spaces[w]

    def submit(w: int, i: int):
        ledger.submit(ActionRequest(workspace_id=ws_of(w), type="bench.pay", params={"to": f"c{i % 50}", "amount": "1.50"},
                                    idempotency_key=f"bench-{w}-{i:06}", actor=AGENT))

    def plain(w: int, i: int):
        with engine.begin() as conn:
            conn.execute(insert(ActionRow).values(
                id=f"plain_{w}_{i}", workspace_id=ws_of(w), type="bench.pay", effect="money", status="applied",
                idempotency_key=f"plain-{w}-{i:06}", request_hash="0" * 64, params={"to": f"c{i % 50}", "amount": "1.50"},
                actor=AGENT.model_dump(mode="json"), agent=AGENT.id, reason="", counterparty=f"c{i % 50}",
                amount=Decimal("1.5"), currency="USD", amount_policy=Decimal("1.5"), change={}, result={},
                policy_version="x", created_at="2026-12-02T00:00:00", day="2026-12-02"))

    ledger_s, ledger_lat = run_threads(writers, per_writer, submit)
    replay_s, _ = run_threads(writers, per_writer, submit)  # the same keys: stored results come back
    plain_s, plain_lat = run_threads(writers, per_writer, plain)
    n = writers * per_writer
    with engine.connect() as conn:
        effects = conn.execute(text("SELECT COUNT(*) FROM bench_wallet")).scalar()
    engine.dispose()
    assert effects == n, f"{effects} effects for {n} actions"
    return {"backend": backend, "writers": writers, "workspaces": 1 if shared else writers, "actions": n,
            "ledger_per_s": n / ledger_s, "ledger_p95": p95(ledger_lat), "replay_per_s": n / replay_s,
            "plain_per_s": n / plain_s, "plain_p95": p95(plain_lat)}


_STREAMS = """
import asyncio, sys
import httpx

async def main(url, n, token):
    opened = 0
    async def follow(client):
        nonlocal opened
        async with client.stream("GET", url) as r:
            opened += 1
            async for _ in r.aiter_lines():
                pass
    async with httpx.AsyncClient(timeout=None, limits=httpx.Limits(max_connections=n + 10),
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        tasks = [asyncio.create_task(follow(client)) for _ in range(n)]
        while opened < n:
            await asyncio.sleep(0.05)
        print("open", opened, flush=True)
        await asyncio.gather(*tasks)

asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
"""


def sse_reading(streams: int, searches: int = 100) -> dict:
    """Search p95 on a real server, idle and while ``streams`` SSE clients wait on a running job's events."""
    import socket

    import httpx
    import uvicorn

    from tradewinds.server import create_app
    from tradewinds.bootstrap import bootstrap
    from tradewinds.catalog.service import build_demo, index_catalog
    from tradewinds.runtime import StepEvent
    from tradewinds.settings import Settings
    from tradewinds.sourcing.run import RunState
    from tradewinds.sourcing.schemas import Ledger

    with tempfile.TemporaryDirectory() as tmp:
        services = bootstrap(Settings(data_dir=Path(tmp)))
        build_demo(services.repo, products=400, seed=7)
        index_catalog(services.repo, services.backend)
        app = create_app(services)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        token = owner_key(services)
        client = httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"})

        def search_p95() -> float:
            lat = []
            for i in range(searches):
                t = time.perf_counter()
                assert client.get("/v1/search", params={"q": ["ceramic mug", "office chair", "LED bulb"][i % 3], "limit": 10}).status_code == 200
                lat.append(time.perf_counter() - t)
            return p95(lat)

        search_p95()  # warm
        idle = search_p95()
        release, opened = threading.Event(), []
        runs = app.state.runs
        services.sourcer(model=False).store.save(RunState(run_id="run_bench_sse", ledger=Ledger(need="x", lines=[])))
        runs.begin("run_bench_sse", "sourcing")
        runs.emit("run_bench_sse", StepEvent(step="plan", message="waiting"))
        runs.submit("run_bench_sse", lambda emit: release.wait(600))

        # the clients live in another process: in this one they would compete with the server for the GIL
        clients = subprocess.Popen([sys.executable, "-c", _STREAMS, f"{url}/v1/sourcing/runs/run_bench_sse/events", str(streams), token],
                                   stdout=subprocess.PIPE, text=True)
        line = clients.stdout.readline()
        opened.append(int(line.split()[1]) if line.startswith("open") else 0)
        held = search_p95()
        clients.kill()
        release.set()
        server.should_exit = True
        return {"streams": opened[0], "idle_p95": idle, "held_p95": held}


def owner_key(services) -> str:
    """An owner's API key of workspace 'local', made as `tradewinds keys create` makes one."""
    from tradewinds.accounts import Role

    me = services.accounts.local_principal("local", "bench")
    return services.accounts.create_key(me, "benchmark", Role.owner).token


def auth_reading(requests: int = 300) -> dict:
    """p95 of the same API calls with the API key checked (auth on) and with the check replaced by a fixed principal
    (auth off: no hash, no lookup, no last-use write), on two real servers over the same services, calls interleaved."""
    import socket

    import httpx
    import uvicorn

    from tradewinds.accounts.service import Accounts
    from tradewinds.bootstrap import bootstrap
    from tradewinds.catalog.service import build_demo, index_catalog
    from tradewinds.server import create_app
    from tradewinds.settings import Settings

    class NoAuth(Accounts):
        def authenticate_key(self, token, *, route=""):
            return fixed

    with tempfile.TemporaryDirectory() as tmp:
        services = bootstrap(Settings(data_dir=Path(tmp)))
        build_demo(services.repo, products=400, seed=7)
        index_catalog(services.repo, services.backend)
        token = owner_key(services)
        fixed = services.accounts.authenticate_key(token)
        urls, servers = {}, []
        for mode in ("on", "off"):
            app = create_app(services)
            if mode == "off":
                app.state.accounts = NoAuth(services.repo.engine)
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            servers.append(uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")))
            threading.Thread(target=servers[-1].run, daemon=True).start()
            while not servers[-1].started:
                time.sleep(0.05)
            urls[mode] = f"http://127.0.0.1:{port}"
        calls = {"search": ("/v1/search", {"q": "ceramic mug", "limit": 10}), "light": ("/v1/actions", {"limit": 1})}
        out = {}
        with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
            for name, (path, params) in calls.items():
                lat = {"on": [], "off": []}
                for i in range(requests + 20):
                    for mode in (("on", "off") if i % 2 else ("off", "on")):
                        t = time.perf_counter()
                        assert client.get(urls[mode] + path, params=params).status_code == 200
                        if i >= 20:  # warm-up first
                            lat[mode].append(time.perf_counter() - t)
                out[name] = {mode: p95(v) for mode, v in lat.items()}
        for server in servers:
            server.should_exit = True
    return out


def soak(jobs: int) -> dict:
    """RSS of a real server process after a warm-up, after ``jobs`` mixed jobs, and after idling."""
    import socket

    import httpx

    from tradewinds.bootstrap import bootstrap
    from tradewinds.catalog.service import build_demo, index_catalog
    from tradewinds.settings import Settings

    def rss_mb(pid: int) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    with tempfile.TemporaryDirectory() as tmp:
        services = bootstrap(Settings(data_dir=Path(tmp)))
        build_demo(services.repo, products=400, seed=7)
        index_catalog(services.repo, services.backend)
        services.backend.close()
        token = owner_key(services)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "TRADEWINDS_DATA_DIR": tmp, "TRADEWINDS_MAX_QUEUED_JOBS": "1000", "TRADEWINDS_QUOTAS": '{"concurrent_runs": 0}'}
        server = subprocess.Popen([sys.executable, "-m", "tradewinds", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120, headers={"Authorization": f"Bearer {token}"})
        try:
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            needs = ["300 ceramic mugs under 3 USD", "500 LED bulbs E27 9W", "200 office chairs, not from China",
                     "Necesitamos 1000 camisetas de algodón", "需要500个保温杯"]
            sheet = "Item,Qty\n" + "".join(f"ceramic coffee mug {i},{300 + i}\n" for i in range(20))

            def one(i: int) -> None:
                kind = i % 3
                if kind == 0:
                    run = client.post("/v1/sourcing/runs", json={"need": needs[i % len(needs)], "no_model": True}).json()
                    url = run["events_url"]
                elif kind == 1:
                    url = client.post("/v1/bulk", files={"file": ("needs.csv", sheet.encode(), "text/csv")}).json()["events_url"]
                else:
                    feed = f"external_id,title,supplier_name,supplier_country,price,currency,moq\nsoak{i},Soak mug {i},Soak Co,VN,1.5,USD,100\n"
                    client.post("/v1/catalog/imports", files={"file": ("feed.csv", feed.encode(), "text/csv")})
                    return
                with client.stream("GET", url) as r:
                    for _ in r.iter_lines():
                        pass

            for i in range(50):
                one(i)
            warm = rss_mb(server.pid)
            t0 = time.perf_counter()
            for i in range(50, 50 + jobs):
                one(i)
            elapsed = time.perf_counter() - t0
            after = rss_mb(server.pid)
            time.sleep(10)
            idle = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(30)
    return {"jobs": jobs, "warm_mb": warm, "after_mb": after, "idle_mb": idle, "jobs_per_s": jobs / elapsed}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--actions", type=int, default=2000, help="actions per reading")
    ap.add_argument("--writers", default="1,8,32")
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--streams", type=int, default=200, help="SSE clients held open (0: skip)")
    ap.add_argument("--auth", type=int, default=300, help="calls per auth on/off reading (0: skip)")
    ap.add_argument("--soak", type=int, default=1000, help="mixed jobs against a real server process (0: skip)")
    args = ap.parse_args()
    writers = [int(w) for w in args.writers.split(",")]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        backends = [("sqlite", lambda: f"sqlite:///{tmp}/ledger-{time.monotonic_ns()}.db")]
        server = None
        if not args.no_postgres:
            url = os.environ.get("TRADEWINDS_BENCH_POSTGRES_URL")
            if url is None:
                from postgres_server import binaries, temporary_server

                bin_dir = binaries()
                if bin_dir is None:
                    print("PostgreSQL skipped: no server binaries (scripts/ensure-test-tools.sh installs them) and no "
                          "TRADEWINDS_BENCH_POSTGRES_URL", file=sys.stderr)
                else:
                    server = temporary_server(bin_dir, durable=True)
                    url = server.__enter__()
            if url:
                backends.append(("postgresql", lambda: url))
        try:
            for backend, url_of in backends:
                for shared in (True, False):
                    for w in writers:
                        if not shared and w == 1:
                            continue
                        rows.append(measure(url_of(), backend, w, args.actions, shared))
                        r = rows[-1]
                        print(f"  {backend} writers={w} workspaces={r['workspaces']}: {r['ledger_per_s']:.0f}/s", file=sys.stderr)
        finally:
            if server is not None:
                server.__exit__(None, None, None)
    print("\naction ledger: submit (lock, idempotency, kill switch, limits, effect, record, chained audit event; one "
          "transaction) vs a plain insert of the same action rows, same threads, same run")
    print(f"{'backend':<11}{'writers':>8}{'spaces':>8}{'actions':>9}{'ledger/s':>10}{'p95 ms':>8}{'replay/s':>10}"
          f"{'insert/s':>10}{'p95 ms':>8}{'ledger/insert':>15}")
    for r in rows:
        print(f"{r['backend']:<11}{r['writers']:>8}{r['workspaces']:>8}{r['actions']:>9}{r['ledger_per_s']:>10.0f}"
              f"{r['ledger_p95']:>8.1f}{r['replay_per_s']:>10.0f}{r['plain_per_s']:>10.0f}{r['plain_p95']:>8.1f}"
              f"{r['ledger_per_s'] / r['plain_per_s']:>14.2f}x")
    if args.streams:
        r = sse_reading(args.streams)
        print(f"\nServer-Sent Events: {r['streams']} streams held open on a running job; /v1/search p95 "
              f"{r['held_p95']:.1f} ms vs {r['idle_p95']:.1f} ms idle = {r['held_p95'] / r['idle_p95']:.2f}x (target <= 1.5x)")
    if args.soak:
        r = soak(args.soak)
        print(f"\nSoak: {r['jobs']} mixed jobs (sourcing, bulk, imports) at {r['jobs_per_s']:.1f}/s; server RSS {r['warm_mb']:.0f} MB "
              f"after warm-up, {r['after_mb']:.0f} MB after, {r['idle_mb']:.0f} MB idle = {r['idle_mb'] / r['warm_mb']:.2f}x "
              "(target <= 1.5x)")
    if args.auth:
        r = auth_reading(args.auth)
        print(f"\nAPI p95 with auth on (API key: hash, lookup kept 2 s per process, role, last use) vs off (a fixed principal), {args.auth} calls each, interleaved:")
        for name, label in (("search", "/v1/search (target <= 1.1x)"), ("light", "/v1/actions?limit=1 (a light call: the worst case)")):
            print(f"  {label:<52} on {r[name]['on']:6.1f} ms  off {r[name]['off']:6.1f} ms  = {r[name]['on'] / r[name]['off']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
