"""AI sourcing over the demo catalog: ledger accuracy, hard constraints, honest no-match, grounding, latency.

    python benchmarks/sourcing.py [--needs benchmarks/data/sourcing_needs.jsonl] [--no-model]

45 written needs (English, Chinese, Spanish, Korean, Arabic; 6 the catalog cannot serve; one
project need) with their expected ledgers. For each need the full loop runs on the embedded
defaults (local 0.5B model through the gateway, cache off). Reported:
- ledger field accuracy: quantity, price cap, currency, certifications, destination;
- hard-constraint satisfaction of every option marked 100%, re-checked against the catalog
  records themselves (MOQ <= quantity, tier price at quantity <= cap after FX, certifications
  held by offer or supplier, supplier country rules) — target 100%;
- honest no_match: needs the catalog cannot serve report no_match on every line, and servable
  ones do not;
- grounding violations (runs that raised GroundingError) — target 0;
- latency p50/p95 of first results and of the full report (targets: <= 5 s and <= 60 s p50),
  compared with the search-only baseline (one hybrid search per need) in the same run.
Needs the demo catalog: `tradewinds catalog demo` (skips with a message when it is absent).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tradewinds.bootstrap import bootstrap
from tradewinds.catalog.schemas import Offer, Supplier
from tradewinds.search.schemas import SearchRequest
from tradewinds.settings import get_settings
from tradewinds.sourcing.report import GroundingError
from tradewinds.sourcing.run import Budgets, RunStore, Sourcer
from tradewinds.sourcing.score import convert

def check_option(o, line, ledger, records, fx) -> list[str]:
    offer, supplier = records.get(o.offer_id), records.get(o.supplier_id)
    if not isinstance(offer, Offer) or not isinstance(supplier, Supplier):
        return [f"{o.offer_id}: not in the catalog"]
    problems = []
    if offer.moq > line.quantity:
        problems.append(f"MOQ {offer.moq} > {line.quantity}")
    if line.max_unit_price is not None:
        at = offer.unit_price_at(line.quantity)
        p = None if at is None else convert(at, offer.currency, line.currency, fx)
        if p is None or p > line.max_unit_price * (1 + 1e-9):
            problems.append(f"price {p} > {line.max_unit_price}")
    held = {c.lower() for c in offer.certifications} | {c.lower() for c in supplier.certifications}
    problems += [f"lacks {c}" for c in line.certifications if c.lower() not in held]
    if ledger.supplier_countries and supplier.country not in ledger.supplier_countries:
        problems.append(f"country {supplier.country}")
    if supplier.country in ledger.exclude_countries:
        problems.append(f"excluded country {supplier.country}")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--needs", type=Path, default=Path(__file__).parent / "data" / "sourcing_needs.jsonl")
    ap.add_argument("--no-model", action="store_true", help="extractors and templates only")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    services = bootstrap()
    if services.backend.count() == 0:
        print("skipped: no catalog indexed here; run `tradewinds catalog demo` first")
        return
    settings = get_settings()
    gateway = None if args.no_model else services.gateway()
    if gateway is not None:
        gateway.cache = False
    needs = [json.loads(line) for line in args.needs.read_text(encoding="utf-8").splitlines() if line.strip()][:args.limit]
    fields = {k: [0, 0] for k in ("quantity", "max_unit_price", "currency", "certifications", "destination")}
    hard_ok = hard_total = honest = grounding = 0
    first, full, baseline, by_lang, failures = [], [], [], {}, []
    with tempfile.TemporaryDirectory() as tmp:
        sourcer = Sourcer(services.repo, services.search, gateway, fx_rates=settings.fx_rates, store=RunStore(Path(tmp)),
                          budgets=Budgets(max_rounds=3, wall_time_s=60))
        if gateway is not None:  # load the model once, as a running server would have it
            model = gateway.model(gateway.route("sourcing.extract")[0])
            getattr(model, "runtime", lambda: None)()
        for i, n in enumerate(needs, 1):
            t = time.perf_counter()
            services.search.search(SearchRequest(text=n["need"], limit=10))
            baseline.append(time.perf_counter() - t)
            try:
                report = sourcer.source(n["need"])
            except GroundingError as exc:
                grounding += 1
                failures.append(f"{n['need'][:40]}: {exc.message}")
                continue
            first.append(report.stats.first_result_s or report.stats.total_s)
            full.append(report.stats.total_s)
            ledger, lines = report.ledger, report.ledger.lines
            lang = ledger.language
            by_lang[lang] = by_lang.get(lang, 0) + 1
            if n.get("lines_at_least"):
                ok = len(lines) >= n["lines_at_least"]
                fields["quantity"][0] += ok
                fields["quantity"][1] += 1
            else:
                line = lines[0]
                for key, got in (("quantity", line.quantity), ("max_unit_price", line.max_unit_price), ("currency", line.currency),
                                 ("certifications", sorted(line.certifications))):
                    want = sorted(n[key]) if key == "certifications" else n[key]
                    fields[key][0] += got == want
                    fields[key][1] += 1
                    if got != want:
                        failures.append(f"{n['need'][:40]}: {key} {got!r} != {want!r}")
            fields["destination"][0] += ledger.destination_country == n["destination"]
            fields["destination"][1] += 1
            if ledger.destination_country != n["destination"]:
                failures.append(f"{n['need'][:40]}: destination {ledger.destination_country!r} != {n['destination']!r}")
            ids = [o.offer_id for r in report.lines for o in r.options if o.tier == 100]
            ids += [o.supplier_id for r in report.lines for o in r.options if o.tier == 100]
            records = services.repo.get_many(ids)
            for r, line in zip(report.lines, lines):
                for o in r.options:
                    if o.tier == 100:
                        hard_total += 1
                        problems = check_option(o, line, ledger, records, settings.fx_rates)
                        hard_ok += not problems
                        if problems:
                            failures.append(f"{o.offer_id} marked 100%: {problems}")
            expect_none = bool(n.get("no_match"))
            got_none = all(r.no_match for r in report.lines)
            honest += got_none == expect_none
            if got_none != expect_none:
                failures.append(f"{n['need'][:40]}: no_match {got_none} (expected {expect_none})")
            print(f"  [{i}/{len(needs)}] {lang} {report.stats.total_s:5.1f} s  {n['need'][:60]}", file=sys.stderr)

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} = {a / b:.0%}" if b else "-"

    def q(xs: list[float], p: float) -> float:
        return sorted(xs)[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")

    model = "extractors only" if args.no_model else gateway.route("sourcing.extract")[0]
    print(f"\nsourcing benchmark: {len(needs)} needs ({', '.join(f'{k} {v}' for k, v in sorted(by_lang.items()))}); model {model}\n")
    print(f"{'measure':<44} result")
    for key, (ok, total) in fields.items():
        print(f"{'ledger ' + key:<44} {pct(ok, total)}")
    print(f"{'options marked 100% meeting hard constraints':<44} {pct(hard_ok, hard_total)}  (target 100%)")
    print(f"{'honest no_match (servable vs not)':<44} {pct(honest, len(needs) - grounding)}")
    print(f"{'grounding violations':<44} {grounding}  (target 0)")
    print(f"{'first results p50 / p95':<44} {statistics.median(first):.2f} s / {q(first, 0.95):.2f} s  (target p50 <= 5 s)")
    print(f"{'full report p50 / p95':<44} {statistics.median(full):.2f} s / {q(full, 0.95):.2f} s  (target p50 <= 60 s)")
    print(f"{'baseline: one hybrid search p50':<44} {statistics.median(baseline) * 1000:.0f} ms  "
          f"(full report = x{statistics.median(full) / statistics.median(baseline):.0f})")
    if failures:
        print("\nmisses:")
        for f in failures[:40]:
            print("  " + f)


if __name__ == "__main__":
    main()
