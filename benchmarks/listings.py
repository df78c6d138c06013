"""Localized listings on real product records: how many may be published, and what the model alone would have broken.

    python benchmarks/listings.py --products ../shared/data/entity-matching/Abt-Buy/tableA.csv --market amazon-de --lang de \\
        [--limit N] [--json]

The products file is a CSV with id and title (or name, as in the entity-matching tables) and description. Each
product is localized as `tradewinds listings localize` does it: the model through the gateway, the checks, repairs.
Printed: the share published (status ok); on the published ones, the claim check and, beside it, an independent
reading (every number and model code of the output is in the source); limits and banned terms; language; listings
per second and per CPU-hour. The baseline, in the same run, is the model's first answer as it wrote it, without
tidying, checks or repairs: how many of those listings would have broken a claim, a limit, a banned term or the
language.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from tradewinds.bootstrap import bootstrap
from tradewinds.seller.listings.checks import check
from tradewinds.seller.listings.localize import localize, read_products
from tradewinds.seller.listings.profiles import profile

TOKEN = re.compile(r"[A-Za-z]*\d[\w.,/-]*")


def _products_csv(path: Path, tmp: Path) -> Path:
    """The entity-matching tables name the title 'name': map it."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if rows and "title" not in rows[0] and "name" in rows[0]:
        out = tmp / "products.csv"
        with out.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["id", "title", "description"])
            w.writeheader()
            for r in rows:
                if (r.get("name") or "").strip():
                    w.writerow({"id": r["id"], "title": r["name"], "description": (r.get("description") or "")[:2000]})
        return out
    return path


def independent(source: str, listing) -> bool:
    """Every token with a digit in the output (numbers, model codes) is in the source: a reading apart from claims.py."""
    have = {t.lower().rstrip(".,").replace(",", ".") for t in TOKEN.findall(source)}
    text = " ".join([listing.title, *listing.bullets, listing.description, *listing.keywords])
    said = {t.lower().rstrip(".,").replace(",", ".") for t in TOKEN.findall(text)}
    return said <= have


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--products", type=Path, required=True)
    p.add_argument("--market", required=True)
    p.add_argument("--lang", required=True)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    if not a.products.exists():
        print(f"skipped: {a.products} is not there (the shared data is optional; see ../shared/data/README)")
        return 0
    services = bootstrap()
    market = profile(a.market)
    gateway = services.gateway()
    with tempfile.TemporaryDirectory() as tmp:
        products = read_products(_products_csv(a.products, Path(tmp)))[:a.limit]
    rows, wall, cpu = [], time.perf_counter(), time.process_time()
    for prod in products:
        trace: list = []
        out = localize(prod, market, a.lang, gateway, trace=trace)
        raw = check(prod.source_text, trace[0], market, a.lang) if trace else None
        failed = {c.name for c in out.checks if not c.ok}
        rows.append({"id": prod.id, "status": out.status, "attempts": out.attempts, "failed": sorted(failed),
                     "independent_ok": independent(prod.source_text, out) if out.status == "ok" else None,
                     "raw_failed": sorted(c.name for c in raw.failures) if raw else ["model"]})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = len(rows)
    ok = [r for r in rows if r["status"] == "ok"]

    def share(pred, of) -> str:
        return f"{sum(1 for r in of if pred(r))}/{len(of)}" if of else "-"

    summary = {"market": a.market, "language": a.lang, "products": n, "model": services.settings.model_routes,
               "published": share(lambda r: r["status"] == "ok", rows),
               "claims_kept_published": share(lambda r: "claims" not in r["failed"], ok),
               "independent_numbers_codes_published": share(lambda r: r["independent_ok"], ok),
               "limits_and_banned_published": share(lambda r: not {"limits", "banned", "title rules"} & set(r["failed"]), ok),
               "language_right_all": share(lambda r: "language" not in r["failed"], rows),
               "listings_per_s": n / wall if wall else 0, "listings_per_cpu_hour": n / (cpu / 3600) if cpu else 0,
               "baseline_raw_broke_claim": share(lambda r: "claims" in r["raw_failed"], rows),
               "baseline_raw_broke_limit_or_banned": share(lambda r: bool({"limits", "banned", "title rules"} & set(r["raw_failed"])), rows),
               "baseline_raw_wrong_language": share(lambda r: "language" in r["raw_failed"], rows),
               "baseline_raw_would_publish_clean": share(lambda r: not r["raw_failed"], rows), "rows": rows}
    if a.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    print(f"listing benchmark: {n} products of {a.products.name} -> {market.name} in {a.lang} (model route {services.settings.model_routes or 'default'})")
    for key in ("published", "claims_kept_published", "independent_numbers_codes_published", "limits_and_banned_published", "language_right_all"):
        print(f"  {key.replace('_', ' '):<45} {summary[key]}")
    print(f"  {'listings per second / per CPU-hour':<45} {summary['listings_per_s']:.3f} / {summary['listings_per_cpu_hour']:.0f}")
    print("baseline: the model's first answer as written, no tidying, checks or repairs")
    for key in ("baseline_raw_broke_claim", "baseline_raw_broke_limit_or_banned", "baseline_raw_wrong_language", "baseline_raw_would_publish_clean"):
        print(f"  {key.replace('baseline_raw_', '').replace('_', ' '):<45} {summary[key]}")
    flagged = [r for r in rows if r["status"] != "ok"]
    if flagged:
        print("flagged, by failing check: " + ", ".join(f"{k} {v}" for k, v in sorted(
            {c: sum(c in r["failed"] for r in flagged) for r in flagged for c in r["failed"]}.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
