"""The sourcing benchmark's measures can fail: a wrong product rated >= 75 %, a false no_match, a
near miss left unexplained and a wrong ledger field each count against the system."""

import json
from pathlib import Path

import pytest

from tradewinds.sourcing.evaluation import CatalogTruth, NeedCase, load_cases, score_case
from tradewinds.sourcing.run import Budgets, RunStore, Sourcer

BENCH = Path(__file__).parent.parent / "benchmarks" / "data"


@pytest.fixture(scope="module")
def truth(demo_services):
    return CatalogTruth.from_repo(demo_services.repo, demo_services.settings.fx_rates)


@pytest.fixture
def sourcer(demo_services, tmp_path):
    return Sourcer(demo_services.repo, demo_services.search, None, fx_rates=demo_services.settings.fx_rates,
                   store=RunStore(tmp_path / "runs"), budgets=Budgets(max_rounds=2))


def case(need: str, **kw) -> NeedCase:
    base = {"id": "t1", "language": "en", "need": need, "lines": []}
    return NeedCase.model_validate({**base, **kw})


def _records(services, report):
    return services.repo.get_many([x for r in report.lines for o in r.options for x in (o.offer_id, o.product_id, o.supplier_id)])


def test_both_sets_load_and_are_disjoint():
    dev, held = load_cases(BENCH / "sourcing_dev.jsonl"), load_cases(BENCH / "sourcing_heldout.jsonl")
    assert len(dev) == 45 and len(held) >= 60
    assert not {c.need for c in dev} & {c.need for c in held}
    per_lang = {lang: sum(c.language == lang for c in held) for lang in "fr de it pt nl pl tr ru ja vi id th hi".split()}
    assert min(per_lang.values()) >= 4, per_lang


def test_a_bad_case_file_names_the_line(tmp_path):
    bad = tmp_path / "cases.jsonl"
    bad.write_text(json.dumps({"id": "x", "language": "en", "need": "mugs", "lines": [{"category": "Insulated tumblers"}]}) + "\n")
    with pytest.raises(ValueError, match="line 1"):
        load_cases(bad)


def test_catalog_truth_decides_servability_from_the_records(truth):
    mugs = case("", lines=[{"category": ["Insulated tumblers"], "quantity": 5000}])
    assert truth.servable(mugs.lines[0], mugs)
    few = case("", lines=[{"category": ["Insulated tumblers"], "quantity": 5}])  # every tumbler offer has MOQ >= 100
    assert not truth.servable(few.lines[0], few) and truth.carries(few.lines[0]) and truth.binding(few.lines[0], few) == {"moq"}
    cheap = case("", lines=[{"category": ["Insulated tumblers"], "quantity": 5000, "max_unit_price": 0.01, "currency": "USD"}])
    assert not truth.servable(cheap.lines[0], cheap) and "price" in truth.binding(cheap.lines[0], cheap)
    nothing = case("", lines=[{"category": [], "quantity": 5}])
    assert not truth.servable(nothing.lines[0], nothing) and not truth.carries(nothing.lines[0])


def test_a_wrong_product_rated_75_counts_and_a_right_one_does_not(sourcer, truth, demo_services):
    report = sourcer.source("We need 500 vacuum insulated tumblers")
    records = _records(demo_services, report)
    right = score_case(case(report.ledger.need, lines=[{"category": ["Insulated tumblers"], "quantity": 500}]), report, truth, records)
    assert right.options_rated > 0 and right.wrong_rated == []
    wrong = score_case(case(report.ledger.need, lines=[{"category": ["Towels"], "quantity": 500}]), report, truth, records)
    assert len(wrong.wrong_rated) == wrong.options_rated > 0
    assert wrong.fields["L1.product"] is False and right.fields["L1.product"] is True


def test_ledger_fields_and_no_match_are_scored_against_the_case(sourcer, truth, demo_services):
    report = sourcer.source("We need 500 vacuum insulated tumblers, under 9 USD each, ship to Germany")
    records = _records(demo_services, report)
    good = case(report.ledger.need, destination="DE",
                lines=[{"category": ["Insulated tumblers"], "quantity": 500, "max_unit_price": 9.0, "currency": "USD"}])
    s = score_case(good, report, truth, records)
    assert all(s.fields.values()), s.fields
    assert s.no_match_ok == [True]
    bad = good.model_copy(update={"destination": "FR", "exclude_countries": ["CN"]})
    s = score_case(bad, report, truth, records)
    assert not s.fields["destination"] and not s.fields["exclude_countries"]
    claims_none = report.model_copy(deep=True)
    claims_none.lines[0].no_match = True
    assert score_case(good, claims_none, truth, records).no_match_ok == [False]


def test_a_near_miss_counts_as_explained_only_when_the_binding_constraint_is_named(sourcer, truth, demo_services):
    report = sourcer.source("We need 5 vacuum insulated tumblers")
    want = case(report.ledger.need, lines=[{"category": ["Insulated tumblers"], "quantity": 5}])
    records = _records(demo_services, report)
    explained = report.model_copy(deep=True)
    explained.lines[0].no_match, explained.lines[0].missing = True, ["12 offers of insulated tumblers exist, but their MOQ is 100 or more > 5"]
    assert score_case(want, explained, truth, records).near_miss == [True]
    silent = report.model_copy(deep=True)
    silent.lines[0].no_match, silent.lines[0].missing, silent.lines[0].near_misses = True, ["nothing adequate"], []
    silent.risks = []
    assert score_case(want, silent, truth, records).near_miss == [False]


def test_a_crash_scores_as_a_failure(truth):
    s = score_case(case("x", lines=[{"category": ["Insulated tumblers"], "quantity": 500}]), None, truth, {}, crashed=True)
    assert not any(s.fields.values()) and s.no_match_ok == [False]
