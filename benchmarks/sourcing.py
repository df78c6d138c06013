"""AI sourcing over the demo catalog, on two sets side by side: `dev` and `heldout`.

    python benchmarks/sourcing.py [--sets dev,heldout] [--no-model] [--limit N] [--show-heldout-misses] [--out results.json]

- `dev` (benchmarks/data/sourcing_dev.jsonl): the 45 needs the sourcing code was developed on
  (English, Chinese, Spanish, Korean, Arabic).
- `heldout` (benchmarks/data/sourcing_heldout.jsonl): 81 needs in 18 languages, written and
  committed before the code for issue 15 and never tuned on. Its misses are not printed unless
  asked (`--show-heldout-misses`): reading them and fixing what they show would be tuning on it.
- `dev_ml` (38 needs in the 13 new languages), `dev2` (54 needs, 3 per language, over the catalog
  families the others leave out) and `dev3` (54 needs: several products per need, caps per item,
  local-currency budgets, projects in every language, accessory traps such as laptop backpacks),
  `dev4` (48: accessories of a catalog product the catalog does not carry, 'guitar strings', in every
  language), `dev5` (42: the product with purposes and modifiers around it, 'mugs for our cafe') and
  `dev6` (51: the families the others barely touch, counts in words, goods counted in containers),
  `dev7` (53: everyday synonyms and loan words, 'trainers', 'powerbanks', 'coques', and goods the
  catalog does not carry beside ones it does, 'flip flops', 'bathrobes', 'wine bottles'), `dev8` (54: a catalog
  noun as a modifier or in another sense, 'candle holders', 'bike pumps', 'pen drives', 'flower bulbs', 'sunglasses'
  beside 'ski goggles', with a few real matches phrased around them), `dev9` (54: products named by a brand
  that became a word, 'Band-Aids', 'Post-its', 'termos', 'selpak', 'Hansaplast', 'adidasy'), `dev10` (54: a catalog
  noun as the head of another kind of product, 'heat pumps', 'motor oil', 'coffee tables', 'baby bottles', 'dog toys'),
  `dev11` (36: what is not a catalog good at all, services, bulk materials, used vehicles, live animals), `dev12`
  (54: accessories and parts of catalog products, 'guitar strings', 'TV wall mounts', 'laptop stands', 'cup lids'),
  `dev13` (36: a product kind named beside one not wanted, 'tumblers, not mugs', 'Rucksäcke, keine Handtaschen'),
  `dev14` (36: a service asked for, 'freight forwarder', 'product photography', and products with a warranty, shelf
  life or hold time that is no lead time, 'garantía de 1 año', '保温12小时'):
  development sets written during issue 15, each run once fresh to find what fails on needs
  nobody had tuned for, then tuned on. Their misses are printed.

Each need runs the full loop on the embedded defaults (local model through the gateway, cache
off, model loaded once as in a server). What is scored is defined in
`tradewinds.sourcing.evaluation`; which lines the catalog can serve is decided from the catalog
records, not written by hand. Printed per set: ledger field accuracy (overall and per language),
wrong products rated >= 75 % (target 0), hard constraints of options rated 100 % re-checked on the
records (target 100 %), honest no_match, near misses explained, grounding violations (runs the
report's grounding check stopped), landed-cost coverage of adequate options, and latency
against a search-only baseline (one hybrid search per need) in the same run.
Needs the demo catalog (`tradewinds catalog demo`); skips with a message when it is absent.
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
from tradewinds.errors import BadInputError
from tradewinds.search.schemas import SearchRequest
from tradewinds.sourcing.evaluation import CaseScore, CatalogTruth, NeedCase, line_options, load_cases, score_case
from tradewinds.sourcing.report import GroundingError
from tradewinds.sourcing.run import Budgets, RunStore, Sourcer

DATA = Path(__file__).parent / "data"
SETS = {"dev": DATA / "sourcing_dev.jsonl", "heldout": DATA / "sourcing_heldout.jsonl",
        "dev_ml": DATA / "sourcing_dev_ml.jsonl", "dev2": DATA / "sourcing_dev2.jsonl", "dev3": DATA / "sourcing_dev3.jsonl",
        "dev4": DATA / "sourcing_dev4.jsonl", "dev5": DATA / "sourcing_dev5.jsonl",
        "dev6": DATA / "sourcing_dev6.jsonl", "dev7": DATA / "sourcing_dev7.jsonl", "dev8": DATA / "sourcing_dev8.jsonl",
        "dev9": DATA / "sourcing_dev9.jsonl", "dev10": DATA / "sourcing_dev10.jsonl",
        "dev11": DATA / "sourcing_dev11.jsonl", "dev12": DATA / "sourcing_dev12.jsonl",
        "dev13": DATA / "sourcing_dev13.jsonl", "dev14": DATA / "sourcing_dev14.jsonl"}


def run_set(name: str, cases: list[NeedCase], sourcer: Sourcer, services, truth: CatalogTruth) -> dict:
    scores: list[tuple[NeedCase, CaseScore]] = []
    first, full, baseline, grounding, refused, crashes = [], [], [], [], 0, 0
    for i, case in enumerate(cases, 1):
        t = time.perf_counter()
        services.search.search(SearchRequest(text=case.need[:2000], limit=10))
        baseline.append(time.perf_counter() - t)
        report, crashed = None, False
        try:
            report = sourcer.source(case.need)
        except GroundingError as exc:
            grounding.append(f"{case.id}: {exc.message}")
            continue
        except BadInputError as exc:  # the system refused the need (e.g. not a product): scored as such
            refused += 1
            print(f"  {case.id} refused: {exc.message}", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - the benchmark's edge: a crash is a scored failure, not the end of the run
            crashed, crashes = True, crashes + 1
            print(f"  {case.id} crashed: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
        if report is not None:
            first.append(report.stats.first_result_s or report.stats.total_s)
            full.append(report.stats.total_s)
            ids = [x for r in report.lines for o in line_options(r) for x in (o.offer_id, o.product_id, o.supplier_id)]
            records = services.repo.get_many(ids)
        else:
            records = {}
        scores.append((case, score_case(case, report, truth, records, crashed=crashed)))
        took = report.stats.total_s if report else 0.0
        print(f"  [{name} {i}/{len(cases)}] {case.language} {took:5.1f} s  {case.need[:60]}", file=sys.stderr)
    return {"scores": scores, "first": first, "full": full, "baseline": baseline, "grounding": grounding, "refused": refused,
            "crashes": crashes}


def summarize(out: dict) -> dict:
    scores = out["scores"]
    fields = [ok for _, s in scores for ok in s.fields.values()]
    by_lang: dict[str, list[bool]] = {}
    for case, s in scores:
        by_lang.setdefault(case.language, []).extend(s.fields.values())
    flat = lambda attr: [x for _, s in scores for x in getattr(s, attr)]  # noqa: E731
    return {
        "needs": len(scores) + len(out["grounding"]),
        "ledger": (sum(fields), len(fields)),
        "by_lang": {k: (sum(v), len(v)) for k, v in sorted(by_lang.items())},
        "wrong_rated": flat("wrong_rated"), "options_rated": sum(s.options_rated for _, s in scores),
        "hard": (sum(s.hard_checked for _, s in scores) - len(flat("hard_failures")), sum(s.hard_checked for _, s in scores)),
        "no_match": (sum(flat("no_match_ok")), len(flat("no_match_ok"))),
        "near_miss": (sum(flat("near_miss")), len(flat("near_miss"))),
        "landed": (sum(flat("landed")), len(flat("landed"))),
        "grounding": len(out["grounding"]), "refused": out["refused"], "crashes": out["crashes"],
        "first": out["first"], "full": out["full"], "baseline": out["baseline"],
        "misses": flat("misses") + flat("hard_failures") + flat("wrong_rated") + out["grounding"],
    }


def _pct(pair: tuple[int, int]) -> str:
    a, b = pair
    return f"{a}/{b} = {a / b:.0%}" if b else "-"


def _q(xs: list[float], p: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")


def _lat(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f} / {_q(xs, 0.95):.2f} s" if xs else "-"


def print_table(summaries: dict[str, dict], model: str) -> None:
    names = list(summaries)
    print(f"\nsourcing benchmark; model {model}\n")
    rows = [
        ("needs", lambda s: str(s["needs"])),
        ("ledger field accuracy", lambda s: _pct(s["ledger"])),
        ("wrong products rated >= 75% (target 0)", lambda s: f"{len(s['wrong_rated'])} of {s['options_rated']}"),
        ("options rated 100% meeting hard constraints", lambda s: _pct(s["hard"])),
        ("honest no_match (lines, catalog truth)", lambda s: _pct(s["no_match"])),
        ("near misses explained", lambda s: _pct(s["near_miss"])),
        ("grounding violations (runs stopped)", lambda s: str(s["grounding"])),
        ("needs refused as bad input / crashed", lambda s: f"{s['refused']} / {s['crashes']}"),
        ("landed-cost coverage (adequate options)", lambda s: _pct(s["landed"])),
        ("first results p50 / p95", lambda s: _lat(s["first"])),
        ("full report p50 / p95", lambda s: _lat(s["full"])),
        ("baseline: one hybrid search p50", lambda s: f"{statistics.median(s['baseline']) * 1000:.0f} ms" if s["baseline"] else "-"),
        ("full report / baseline", lambda s: f"x{statistics.median(s['full']) / statistics.median(s['baseline']):.0f}"
         if s["full"] and s["baseline"] else "-"),
    ]
    width = 46
    print(f"{'measure':<{width}}" + "".join(f"{n:>22}" for n in names))
    for label, fn in rows:
        print(f"{label:<{width}}" + "".join(f"{fn(summaries[n]):>22}" for n in names))
    langs = sorted({lang for s in summaries.values() for lang in s["by_lang"]})
    print(f"\n{'ledger field accuracy by language':<{width}}" + "".join(f"{n:>22}" for n in names))
    for lang in langs:
        print(f"{'  ' + lang:<{width}}" + "".join(f"{_pct(summaries[n]['by_lang'].get(lang, (0, 0))):>22}" for n in names))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="dev,heldout", help="comma-separated: dev, heldout, dev_ml, dev2, dev3, dev4, dev5, dev6, dev7, dev8, dev9, dev10, dev11, dev12, dev13, dev14, or a path to a JSONL file of cases")
    ap.add_argument("--no-model", action="store_true", help="extractors, reference data and the catalog only")
    ap.add_argument("--limit", type=int, default=None, help="first N needs of each set")
    ap.add_argument("--show-heldout-misses", action="store_true", help="print the held-out set's misses too (do not tune on them)")
    ap.add_argument("--out", type=Path, default=None, help="write the summaries as JSON")
    args = ap.parse_args()
    services = bootstrap()
    if services.backend.count() == 0:
        print("skipped: no catalog indexed here; run `tradewinds catalog demo` first")
        return
    settings = services.settings
    gateway = None if args.no_model else services.gateway()
    if gateway is not None:
        gateway.cache = False
    truth = CatalogTruth.from_repo(services.repo, settings.fx_rates)
    summaries = {}
    with tempfile.TemporaryDirectory() as tmp:
        sourcer = Sourcer(services.repo, services.search, gateway, fx_rates=settings.fx_rates, store=RunStore(Path(tmp)),
                          budgets=Budgets(max_rounds=3, wall_time_s=60))
        if gateway is not None:  # load the model once, as a running server would have it
            model = gateway.model(gateway.route("sourcing.extract")[0])
            getattr(model, "runtime", lambda: None)()
        for name in args.sets.split(","):
            path = SETS.get(name) or Path(name)
            cases = load_cases(path)[:args.limit]
            summaries[name] = summarize(run_set(name, cases, sourcer, services, truth))
    model = "extractors only" if gateway is None else gateway.route("sourcing.extract")[0]
    print_table(summaries, model)
    for name, s in summaries.items():
        if s["misses"] and (name != "heldout" or args.show_heldout_misses):
            print(f"\nmisses ({name}):")
            for m in s["misses"][:60]:
                print("  " + m)
        elif s["misses"]:
            print(f"\n{name}: {len(s['misses'])} misses not shown (held out; --show-heldout-misses prints them)")
    if args.out:
        args.out.write_text(json.dumps({k: {x: y for x, y in v.items() if x != "misses"} for k, v in summaries.items()}, indent=1))


if __name__ == "__main__":
    main()
