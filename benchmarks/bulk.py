"""Bulk sourcing over the demo catalog: generated messy sheets, mapping, HS, matching, solver, cost vs baselines; hostile files.

    python benchmarks/bulk.py [--lines 500] [--seed 3]

Sheets of 100 and --lines lines are generated from the demo catalog's categories: product words
in English, Chinese, Spanish, Korean or Arabic with noise (attributes, case, spacing), headers
picked at random from each role's synonyms in several languages, shuffled and extra columns, a
title row, blank rows, prices as "$2.50" / "2,5 €" / "USD 3", quantities as "1,000 pcs" / "500件".
Reported per sheet: wall time (target <= 60 s for 500 lines, 2 cores, embedded stack), column
mapping accuracy, HS chapter accuracy, share of lines whose chosen offer is of the intended
category, solver gap, cost ratio of the optimised plan to both baselines (same run).
Then the hostile files (zip bomb, billion laughs, 1,048,576 rows, formula injection, mixed
encodings), each read in a fresh process: outcome, wall time and peak memory (targets < 2 s, < 256 MB).
Needs the demo catalog (`tradewinds catalog demo`); skips with a message when it is absent.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from openpyxl import Workbook

from tradewinds.bootstrap import bootstrap
from tradewinds.bulk.columns import SYNONYMS
from tradewinds.bulk.run import BulkPlanner, PlanOptions
from tradewinds.catalog.demo.generator import format_attribute
from tradewinds.catalog.demo.vocabulary import CATEGORIES
from tradewinds.sourcing.lexicon import names, surface

ROLES = ("item", "qty", "price", "notes")
HEADERS = {r: [s for s in SYNONYMS[r] if len(s) > 2] for r in ROLES}
EXTRA = (("supplier pref", ["any", "", "no preference"]), ("date", ["2026-12-01", "ASAP", ""]), ("buyer", ["Lina", "Omar", "Jun"]))


def _names(cat, rng: random.Random) -> tuple[str, str]:
    """(language, product words) for a category: vocabulary for en/zh/es, the product lexicon's names of the
    category's concepts for ko/ar."""
    choices = [("en", n) for n in cat.nouns] + [("zh", n) for n in cat.zh] + [("es", n) for n in cat.es]
    leaf = cat.path.split(" > ")[-1]
    for lang in ("ko", "ar"):
        choices += sorted((lang, surface(lang, key)) for key, concept in names()[lang].items() if concept.families == (leaf,))
    return rng.choice(choices)


def generate(n: int, rng: random.Random, path: Path) -> tuple[list[dict], dict[str, int]]:
    cats = list(CATEGORIES)
    order = list(ROLES) + [e[0] for e in rng.sample(EXTRA, 2)]
    rng.shuffle(order)
    header = [rng.choice(HEADERS[c]) if c in ROLES else c for c in order]
    truth, rows = [], []
    for _ in range(n):
        cat = rng.choice(cats)
        lang, words = _names(cat, rng)
        if lang == "en" and cat.materials and rng.random() < 0.4:
            words = f"{rng.choice(cat.materials)} {words}"
        spec = None
        measured = [a for a in cat.attrs if a[2] and isinstance(a[1][0], int | float)]
        if lang == "en" and measured and rng.random() < 0.35:  # a spec as buyers write it: '9W', '1.5 L', '64mm'
            name, choices, unit = rng.choice(measured)
            spec = (name, rng.choice(choices), len(choices))
            words = f"{words} {format_attribute({'name': name, 'value': spec[1], 'unit': unit})}"
        if rng.random() < 0.2:
            words = words.upper() if lang == "en" else f"  {words} "
        qty = rng.choice(cat.moq) * rng.choice((1, 2, 5, 10))
        cap = round(cat.price[1] * rng.uniform(0.7, 1.3), 2)
        qty_text = rng.choice((f"{qty:,}", f"{qty:,} pcs", f"{qty}件" if lang == "zh" else str(qty), str(qty)))
        price_text = rng.choice((f"${cap:.2f}", f"USD {cap:g}", f"{cap:g}")) if rng.random() < 0.8 else f"{cap * 0.92:.2f} €".replace(".", ",")
        notes = rng.choice(("", "", "urgent", "logo printing", "need samples first", ", ".join(cat.certs[:1])))
        values = {"item": words, "qty": qty_text, "price": price_text, "notes": notes}
        row = [values[c] if c in ROLES else rng.choice(dict(EXTRA)[c]) for c in order]
        rows.append(row)
        truth.append({"category": cat.path, "hs": cat.hs, "lang": lang, "spec": spec})
    wb = Workbook()
    ws = wb.active
    ws.append([f"RFQ {rng.randint(1000, 9999)} - purchase list"])
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
        if rng.random() < 0.03:
            ws.append([])
    wb.save(path)
    return truth, {role: order.index(role) for role in ROLES}


def run_sheet(planner: BulkPlanner, services, n: int, rng: random.Random, tmp: Path) -> dict:
    path = tmp / f"sheet_{n}.xlsx"
    truth, columns = generate(n, rng, path)
    started = time.perf_counter()
    plan = planner.plan(path, PlanOptions(fixed_cost_per_supplier=150.0, time_limit_s=20))
    wall = time.perf_counter() - started
    mapped = sum(plan.mapping.columns.get(r) == i for r, i in columns.items())
    hs_ok = sum(bool(r.hs_code) and r.hs_code[:2] == t["hs"][:2] for r, t in zip(plan.lines, truth))
    chosen = {o.offer_id: o for r in plan.lines for o in r.options if o.offer_id == r.chosen_offer_id}
    products = services.repo.get_many([o.product_id for o in chosen.values()])
    right_cat = sum(r.chosen_offer_id is not None and getattr(products.get(chosen[r.chosen_offer_id].product_id), "category", None) == t["category"]
                    for r, t in zip(plan.lines, truth))
    # specs: does the chosen offer's record carry the value asked for, vs chance: a random offer of the category (1 / values)
    spec_lines = [(r, t["spec"]) for r, t in zip(plan.lines, truth) if t["spec"] and r.chosen_offer_id]
    offered = services.repo.get_many([chosen[r.chosen_offer_id].product_id for r, _ in spec_lines])
    spec_met = sum(any(a.name == sp[0] and a.value == sp[1] for a in getattr(offered.get(chosen[r.chosen_offer_id].product_id), "attributes", []))
                   for r, sp in spec_lines)
    chance = sum(1 / sp[2] for _, sp in spec_lines)
    cheapest, fewest = plan.baselines
    return {"lines": len(plan.lines), "expected": n, "wall": wall, "mapping": f"{mapped}/{len(columns)}", "hs": hs_ok / n,
            "category": right_cat / n, "assigned": plan.optimised.lines_assigned / n, "gap": plan.solver.gap, "status": plan.solver.status,
            "solve_s": plan.solver.time_s, "vs_cheapest": plan.optimised.total_cost / cheapest.total_cost,
            "vs_fewest": plan.optimised.total_cost / fewest.total_cost,
            "spec": f"{spec_met}/{len(spec_lines)}", "spec_chance": chance / max(1, len(spec_lines)),
            "suppliers": (plan.optimised.suppliers, cheapest.suppliers, fewest.suppliers)}


HOSTILE_READ = """
import sys, time
from pathlib import Path
from tradewinds.bulk.reader import read_sheet
from tradewinds.errors import BadInputError
t = time.perf_counter()
try:
    sheet = read_sheet(Path(sys.argv[1]))
    outcome = f"read {len(sheet.rows)} rows ({sheet.encoding or sheet.format}); " + "; ".join(sheet.notes)[:60]
except BadInputError as e:
    outcome = "refused: " + e.message.split(": ", 1)[-1][:70]
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))  # this process's own high-water mark
print(f"{time.perf_counter() - t:.2f}|{peak / 1024:.0f}|{outcome}")
"""

WB = (b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
      b'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
RELS = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Target="worksheets/sheet1.xml" Type="x"/></Relationships>')


def _xlsx(path: Path, sheet: bytes, strings: bytes | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", WB)
        zf.writestr("xl/_rels/workbook.xml.rels", RELS)
        zf.writestr("xl/worksheets/sheet1.xml", b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    b"<sheetData>" + sheet + b"</sheetData></worksheet>")
        if strings is not None:
            zf.writestr("xl/sharedStrings.xml", strings)
    return path


def hostile_files(tmp: Path) -> list[tuple[str, Path]]:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol">' + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([98 + i]), b"&%s;" % bytes([97 + i]) * 10) for i in range(9))
        + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&j;</t></si></sst>')
    million = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>mug</t></is></c></row>' % (i, i) for i in range(1, 1_048_577))
    formulas = Workbook()
    ws = formulas.active
    ws.append(["item", "qty", "notes"])
    for f in ('=HYPERLINK("http://evil","x")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"):
        ws.append([f, 5, f])
    formulas.save(tmp / "formulas.xlsx")
    mixed = tmp / "mixed.csv"
    mixed.write_bytes("item,qty\n陶瓷杯,500\n".encode("utf-8") + "taza de café,200\n".encode("cp1252") + "マグ,5\n".encode("shift_jis"))
    return [("zip bomb (50 MB unpacked)", _xlsx(tmp / "bomb.xlsx", b" " * 50_000_000)),
            ("billion laughs", _xlsx(tmp / "laughs.xlsx", b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>', laughs)),
            ("1,048,576-row sheet", _xlsx(tmp / "million.xlsx", million)),
            ("1,048,576 empty rows", _xlsx(tmp / "empty_rows.xlsx", b"".join(b'<row r="%d"/>' % i for i in range(1, 1_048_577)))),
            ("formula injection cells", tmp / "formulas.xlsx"),
            ("mixed encodings in one CSV", mixed)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=500)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    services = bootstrap()
    if services.backend.count() == 0:
        print("skipped: no catalog indexed here; run `tradewinds catalog demo` first")
        return
    planner = BulkPlanner(services.sourcer(model=False), services.settings.fx_rates)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        planner.plan(_warm(tmp))  # load the embedder and the index once, as a server would have
        rows = [run_sheet(planner, services, n, rng, tmp) for n in sorted({100, args.lines})]
        print(f"\nbulk benchmark: demo catalog ({services.backend.count():,} offers), seed {args.seed}, 2 cores, no model calls\n")
        print(f"{'lines':>6} {'wall s':>7} {'s/line':>7} {'mapping':>8} {'HS chapter':>10} {'category':>9} {'assigned':>9} "
              f"{'gap':>7} {'solve s':>8} {'vs cheapest':>12} {'vs fewest':>10} {'spec kept':>10} {'chance':>7}  suppliers (opt/cheapest/fewest)")
        for r in rows:
            print(f"{r['lines']:>6} {r['wall']:>7.1f} {r['wall'] / r['lines']:>7.3f} {r['mapping']:>8} {r['hs']:>10.1%} {r['category']:>9.1%} "
                  f"{r['assigned']:>9.1%} {r['gap']:>7.4f} {r['solve_s']:>8.2f} {r['vs_cheapest']:>12.3f} {r['vs_fewest']:>10.3f} {r['spec']:>10} {r['spec_chance']:>7.1%}  "
                  f"{'/'.join(map(str, r['suppliers']))}")
        print("targets: 500 lines <= 60 s; ratios < 1 mean the optimised plan costs less than the baseline (same run); spec kept: chosen\n"
              "offers whose record has the value a line asked for ('9W'); chance: a random offer of the right category (1 / values)\n")
        print(f"{'hostile file':<28} {'size':>10} {'wall s':>7} {'peak MB':>8}  outcome")
        for label, path in hostile_files(tmp):
            done = subprocess.run([sys.executable, "-c", HOSTILE_READ, str(path)], capture_output=True, text=True, timeout=120)
            wall, peak, outcome = (done.stdout.strip() or f"0|0|crashed: {done.stderr[-80:]}").split("|", 2)
            print(f"{label:<28} {path.stat().st_size:>10,} {float(wall):>7.2f} {float(peak):>8.0f}  {outcome}")
        print("targets: each rejected or neutralised in < 2 s using < 256 MB (peak includes the Python interpreter)")


def _warm(tmp: Path) -> Path:
    path = tmp / "warm.csv"
    path.write_text("item,qty\nceramic coffee mug,500\n")
    return path


if __name__ == "__main__":
    main()
