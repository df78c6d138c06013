"""Time to the first report on a fresh machine: what `make run` does after the install, in a fresh data dir.

    python benchmarks/first_run.py [--products 20000] [--no-baseline] [--no-model]

Measured, each in its own empty data directory, running the real CLI as `make run` does:
  * keywords first (today's default): `tradewinds catalog demo --if-absent` then the first
    `tradewinds source NEED`; the clock stops when the report has printed. The background filler
    then embeds the products; the time until every product is searchable by meaning is reported
    too (the report after that is full hybrid quality).
  * baseline, the same commands with `catalog demo --vectors now` (embedding before the first
    search, as before issue 15).
Target: first report within 60 s of the install finishing. Both paths share the model cache
directory neither run has filled (fresh data dirs), so the model's first call costs the same.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NEED = "We need 500 ceramic coffee mugs with our logo, under 2 USD each, FDA approved, ship to Germany"
CLI = [sys.executable, "-m", "tradewinds"]


def _run(args: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(CLI + args, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(args[:2])} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - t0


def _coverage(env: dict) -> tuple[float, bool]:
    code = ("from tradewinds.bootstrap import bootstrap; from tradewinds.jobs import vectors as v; s = bootstrap(); "
            "print(s.backend.vector_coverage(), v.running(s.settings))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), out[1] == "True"


def measure(products: int, vectors: str, model: bool) -> dict:
    data = Path(tempfile.mkdtemp(prefix=f"tw-first-{vectors}-"))
    env = {**os.environ, "TRADEWINDS_DATA_DIR": str(data)}
    source = ["source", NEED] + ([] if model else ["--no-model"])
    t0 = time.perf_counter()
    demo = _run(["catalog", "demo", "--if-absent", "--products", str(products), "--vectors", vectors], env)
    first = _run(source, env)
    first_report = time.perf_counter() - t0
    full = None
    if vectors == "later":
        while True:
            coverage, filling = _coverage(env)
            if coverage >= 1.0 or not filling:
                break
            time.sleep(2)
        full = time.perf_counter() - t0 if coverage >= 1.0 else None
    second = _run(source, env)
    return {"path": vectors, "demo_and_index_s": demo, "first_source_s": first, "first_report_s": first_report,
            "all_vectors_s": full if vectors == "later" else demo, "hybrid_source_s": second}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--products", type=int, default=20_000)
    ap.add_argument("--no-baseline", action="store_true", help="skip the embed-first baseline (it takes the whole embedding time)")
    ap.add_argument("--no-model", action="store_true", help="source without the embedded model")
    args = ap.parse_args()
    rows = [measure(args.products, "later", not args.no_model)]
    if not args.no_baseline:
        rows.append(measure(args.products, "now", not args.no_model))
    print(f"\nfirst run on {os.cpu_count()} CPU(s), {args.products:,} demo products, model {'off' if args.no_model else 'on'}\n")
    head = ("path", "demo + index", "first source", "FIRST REPORT", "all vectors", "source, hybrid")
    print(" | ".join(f"{h:>14}" for h in head))
    print("-" * (17 * len(head)))
    for r in rows:
        label = "keywords first" if r["path"] == "later" else "embed first"
        cells = [label] + [f"{r[k]:.1f} s" if r[k] is not None else "-" for k in
                           ("demo_and_index_s", "first_source_s", "first_report_s", "all_vectors_s", "hybrid_source_s")]
        print(" | ".join(f"{c:>14}" for c in cells))
    if len(rows) == 2:
        print(f"\nfirst report: {rows[1]['first_report_s'] / rows[0]['first_report_s']:.1f}x sooner keywords first "
              f"(target: within 60 s; measured {rows[0]['first_report_s']:.1f} s)")


if __name__ == "__main__":
    main()
