"""Bulk sourcing over the real demo catalog: column mapping, row parsing, the HiGHS plan against its baselines, files, CLI."""

import io
import json
from collections import Counter

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from tradewinds.bulk.columns import detect, parse_overrides
from tradewinds.catalog.reference import hs_codes
from tradewinds.bulk.consolidate import Candidate, cheapest_per_line, fewest_suppliers, optimise
from tradewinds.bulk.lines import parse_number, to_lines
from tradewinds.bulk.reader import Sheet
from tradewinds.bulk.run import BulkPlanner, PlanOptions
from tradewinds.errors import BadInputError


@pytest.mark.parametrize("header, expected", [
    (["No.", "品名", "数量", "目标价 (USD)", "备注"], {"ref": 0, "item": 1, "qty": 2, "price": 3, "notes": 4}),
    (["Producto", "Cant.", "Precio objetivo", "Observaciones"], {"item": 0, "qty": 1, "price": 2, "notes": 3}),
    (["비고", "품명", "수량", "단가"], {"notes": 0, "item": 1, "qty": 2, "price": 3}),
    (["الكمية", "المنتج", "السعر"], {"qty": 0, "item": 1, "price": 2}),
])
def test_columns_are_found_from_headers_in_several_languages(header, expected):
    sheet = Sheet("s.csv", "s", [(1, ["Purchase list"]), (2, header), (3, ["x"] * len(header))], "csv")
    mapping = detect(sheet)
    assert mapping.header_row == 2 and {r: mapping.columns[r] for r in expected} == expected


def test_columns_without_a_header_come_from_the_content_and_overrides_win():
    rows = [(1, ["LED bulb E27 9W", "3000", "$0.90", "CE"]), (2, ["ceramic mug 350ml", "500", "$1.80", "FDA"]),
            (3, ["cotton t-shirt", "1000", "$2.50", "OEKO-TEX"])]
    mapping = detect(Sheet("s.csv", "s", rows, "csv"))
    assert mapping.header_row is None and (mapping.columns["item"], mapping.columns["qty"], mapping.columns["price"]) == (0, 1, 2)
    assert mapping.source["item"] == "content"
    forced = detect(Sheet("s.csv", "s", rows, "csv"), parse_overrides("item=D,qty=B"))
    assert forced.columns["item"] == 3 and forced.source["item"] == "user"
    with pytest.raises(BadInputError, match="not ROLE=COLUMN"):
        parse_overrides("product=B")


@pytest.mark.parametrize("text, value", [("1,000 pcs", 1000), ("1.000", 1000), ("2,5 €", 2.5), ("500件", 500), ("US$ 3.20", 3.2), ("lots", None)])
def test_numbers_in_buyers_cells(text, value):
    assert parse_number(text) == value


def test_rows_become_lines_and_unreadable_cells_are_reported_not_dropped():
    rows = [(1, ["item", "qty", "target price", "notes", "unit"]), (2, ["陶瓷马克杯", "500", "¥12", "需要FDA认证", "pcs"]),
            (3, ["LED bulb", "lots", "0,90 €", ""]), (4, ["", "20", "", "orphan note"]), (5, ["=cmd|' /C calc'!A0", "5", "abc", ""])]
    sheet = Sheet("s.csv", "s", rows, "csv")
    lines, skipped = to_lines(sheet, detect(sheet))
    mug, bulb = lines
    assert (mug.line.name, mug.line.quantity, mug.line.max_unit_price, mug.line.currency, mug.line.certifications) == \
        ("ceramic mug", 500, 12.0, "CNY", ["FDA"])
    assert mug.unit == "pcs" and bulb.unit is None
    assert bulb.line.quantity == 1 and "row 3, column B (qty): 'lots' is not a quantity" in bulb.issues[0]
    assert (bulb.line.max_unit_price, bulb.line.currency) == (0.9, "EUR")
    assert skipped[0] == "row 4: column A (item) is empty; the row was not sourced"
    assert skipped[1].startswith("row 5, column A (item): \"=cmd|' /C calc'!A0\" is a spreadsheet formula, not a product")


def test_the_solver_beats_or_matches_both_baselines_and_respects_caps():
    lines = {"L1": [Candidate("a1", "A", 100), Candidate("b1", "B", 90)], "L2": [Candidate("a2", "A", 50), Candidate("c2", "C", 40)],
             "L3": [Candidate("a3", "A", 30), Candidate("b3", "B", 25)], "L4": []}
    best, solver = optimise(lines, 100.0)
    assert solver.optimal and solver.gap == 0 and best.choice == {"L1": "a1", "L2": "a2", "L3": "a3"} and best.total_cost == 280
    assert cheapest_per_line(lines, 100.0).total_cost == 355 and fewest_suppliers(lines, 100.0).total_cost == 280
    capped, _ = optimise(lines, 0.0, max_suppliers=1)
    assert {k[0] for k in capped.choice.values()} == {"a"} and capped.total_cost == 180
    # the fewest-suppliers baseline is the cheapest of the smallest covers, not any of them
    tie = {"L1": [Candidate("a1", "A", 10), Candidate("z1", "Z", 30)], "L2": [Candidate("b2", "B", 10), Candidate("z2", "Z", 30)],
           "L4": [Candidate("d4", "D", 5), Candidate("e4", "E", 9)]}
    few = fewest_suppliers(tie, 0.0)
    assert few.suppliers == 2 and few.choice["L4"] == "d4" and few.total_cost == 65
    budget, _ = optimise(lines, 0.0, budget=150)
    assert budget.total_cost <= 150 and len(budget.choice) == 2  # a line is left out (flagged) rather than the cap broken


def _sheet(path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Buyer: ACME Trading"])
    ws.append(["Item", "Qty", "Target price (USD)", "Notes"])
    for row in (["ceramic coffee mug", 500, 3, "FDA"], ["陶瓷马克杯", 400, 3, ""], ["cotton t-shirt", 1000, 4, ""],
                ["LED bulb", 3000, 2, "CE"], ["nuclear reactor control rod", 5, 50, ""], ["=HYPERLINK(\"http://evil\")", 10, 5, ""]):
        ws.append(row)
    wb.save(path)


def test_a_spreadsheet_becomes_a_consolidated_plan_with_files(demo_services, tmp_path):
    path = tmp_path / "needs.xlsx"
    _sheet(path)
    planner = BulkPlanner(demo_services.sourcer(model=False), demo_services.settings.fx_rates)
    events = []
    plan = planner.plan(path, PlanOptions(fixed_cost_per_supplier=200), emit=events.append)
    assert [e.step for e in events if e.step == "line_done"] == ["line_done"] * 5 and events[-1].step == "done"
    assert any("row 8" in s and "formula" in s for s in plan.skipped_rows)  # a formula cell is never matched to a product
    by_row = {r.row: r for r in plan.lines}
    products = demo_services.repo.get_many([o.product_id for r in plan.lines for o in r.options if o.offer_id == r.chosen_offer_id])
    for r in plan.lines:  # the HS code is a real HS 2022 code, and that of the offers it was voted from
        if r.chosen_offer_id:
            assert r.hs_code in hs_codes() and r.hs_code in {p.hs_code for p in products.values()}
    assert by_row[5].hs_code.startswith("6109")  # cotton t-shirts
    assert by_row[7].no_match and by_row[7].flagged == "no adequate offer in the catalog" and by_row[7].hs_code is None
    assert plan.optimised.total_cost <= min(b.total_cost for b in plan.baselines) + 1e-6
    assert plan.solver.optimal
    for r in plan.lines:  # every chosen offer is one of the line's adequate options, within its cap
        if r.chosen_offer_id:
            o = next(o for o in r.options if o.offer_id == r.chosen_offer_id)
            assert o.tier >= 75 and o.moq <= r.quantity and o.unit_price <= r.max_unit_price
    out = tmp_path / "plan.xlsx"
    from tradewinds.bulk.export import write_plan

    write_plan(plan, out, link="http://h/v1")
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "Summary" and "Flagged" in wb.sheetnames and len(wb.sheetnames) == 2 + plan.optimised.suppliers
    flagged_items = [c.value for c in wb["Flagged"]["C"]]
    assert "nuclear reactor control rod" in flagged_items
    assert any("row 8" in (c.value or "") and "formula" in (c.value or "") for c in wb["Flagged"]["E"])  # the formula row, said why
    assert not any(str(c.value).startswith(("=", "+", "-", "@")) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                   if c.value is not None and not isinstance(c.value, int | float))  # no cell runs as a formula
    assert wb["Summary"]["A2"].value == "optimised" and wb["Summary"]["B2"].value == plan.optimised.total_cost


def test_cli_bulk_maps_shows_and_writes(demo_services, tmp_path, monkeypatch):
    from tradewinds.cli import app

    monkeypatch.setenv("TRADEWINDS_DATA_DIR", str(demo_services.settings.data_dir))
    path = tmp_path / "needs.xlsx"
    _sheet(path)
    runner = CliRunner()
    shown = runner.invoke(app, ["bulk", str(path), "--mapping-only"])
    assert shown.exit_code == 0 and "item=A ('Item'), qty=B ('Qty'), price=C" in shown.output
    done = runner.invoke(app, ["bulk", str(path), "--json", "--max-suppliers", "2", "--out", str(tmp_path / "plan.pdf")])
    assert done.exit_code == 0, done.output
    plan = json.loads(done.stdout)
    assert plan["optimised"]["suppliers"] <= 2 and plan["mapping"]["columns"]["item"] == 0
    assert (tmp_path / "plan.pdf").read_bytes().startswith(b"%PDF-")
    assert (demo_services.workspace_dir("local", "bulk") / f"{plan['job_id']}.json").is_file()  # saved with its mapping
    bad = runner.invoke(app, ["bulk", str(path), "--map", "item=ZZZ"])
    assert isinstance(bad.exception, BadInputError) and "neither a letter nor a header" in bad.exception.message


def test_a_near_tie_for_the_product_column_is_broken_by_the_model(demo_services, tmp_path):
    from tradewinds.bulk.columns import model_tie_breaker
    from tradewinds.models import FakeChatModel, Gateway

    rows = [(1, ["colour blue", "ceramic mug", "500"]), (2, ["colour red", "LED bulb", "300"]), (3, ["colour green", "cotton t-shirt", "20"])]
    fake = FakeChatModel(lambda r: json.dumps({"column": "B"}), model="x")
    settings = demo_services.settings.model_copy(update={"data_dir": tmp_path, "model_routes": {"default": ["fake:x"]}})
    mapping = detect(Sheet("s.csv", "s", rows, "csv"), tie_breaker=model_tie_breaker(Gateway(settings, models={"fake:x": fake}, cache=False)))
    assert mapping.columns["item"] == 1 and mapping.source["item"] == "model"
    sent = fake.requests[0].messages[-1].content
    assert sent.startswith("<columns>") and "'ceramic mug'" in sent  # cells passed as quoted data


def test_specs_in_the_cells_are_read_and_the_plan_prefers_offers_that_meet_them(demo_services, tmp_path):
    bulbs = [r for batch in demo_services.repo.iter_offer_records() for r in batch
             if r["category"] == "Lighting > LED lamps" and "bulb" in r["title"].lower()]
    powers = Counter(a["value"] for r in bulbs for a in r["attributes"] if a["name"] == "power")
    watts = min(powers, key=powers.get)  # the rarest wattage: a cheapest-first pick would usually miss it
    assert powers[watts] < len(bulbs)
    path = tmp_path / "bulbs.csv"
    path.write_text(f"item,qty\nLED bulb {watts}W,3000\n")
    planner = BulkPlanner(demo_services.sourcer(model=False), demo_services.settings.fx_rates)
    plan = planner.plan(path, PlanOptions())
    (line,) = plan.lines
    assert line.name == "LED bulb" and [(s.name, s.value, s.unit) for s in line.specs] == [("power", float(watts), "W")]
    chosen = next(o for o in line.options if o.offer_id == line.chosen_offer_id)
    product = demo_services.repo.get_many([chosen.product_id])[chosen.product_id]
    assert any(a.name == "power" and a.value == watts for a in product.attributes)
    assert any(c.kind == "spec" and c.status == "met" and f"{watts}W" in c.requirement for c in chosen.requirements)
    from tradewinds.bulk.export import render

    wb = load_workbook(io.BytesIO(render(plan, ".xlsx", "http://h/v1")))
    supplier_sheet = wb.worksheets[1]
    header = [c.value for c in supplier_sheet[1]]
    row = [c.value for c in supplier_sheet[2]]
    assert row[header.index("specs asked")] == f"{watts}W" and "met" in row[header.index("spec check")]


@pytest.mark.parametrize("text, code", [
    ("Target price (USD)", "USD"), ("Preis €", "EUR"), ("单价(元)", "CNY"), ("ราคา (บาท)", "THB"),  # THB and MXN were not read
    ("Precio (MXN)", "MXN"), ("Cost RMB", "CNY"), ("usd", "USD"), ("Qty", None), ("paper cup", None), ("all items", None),
])
def test_a_sheet_names_its_currency_in_the_words_the_need_reader_knows(text, code):
    from tradewinds.bulk.lines import currency_of

    assert currency_of(text) == code
