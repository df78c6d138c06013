import pytest
from pydantic import ValidationError

from tradewinds.catalog import reference
from tradewinds.catalog.ids import make_id
from tradewinds.catalog.schemas import OfferIn, PriceTier, ProductIn, SupplierIn, normalize_certification
from tradewinds.trade.pricing import price_at


def test_country_lookup_in_several_languages():
    assert reference.country_code("cn") == "CN"
    assert reference.country_code("中国") == "CN"
    assert reference.country_code("Alemania") == "DE"
    assert reference.country_code("VNM") == "VN"
    assert reference.country_code("Atlantis") is None


def test_hs_incoterms_currencies_shipped():
    assert reference.hs_codes()["841981"].parent == "8419"
    assert len([c for c in reference.hs_codes() if len(c) == 2]) >= 96
    assert set(reference.incoterms()) == {"EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF"}
    assert reference.currency_exists("CNY") and not reference.currency_exists("XYZ")


def test_ids_are_stable_and_namespaced():
    assert make_id("prd", "demo", "P1") == make_id("prd", "demo", "P1")
    assert make_id("prd", "demo", "P1") != make_id("prd", "shopify", "P1")
    assert make_id("off", "x", "1").startswith("off_") and len(make_id("off", "x", "1")) == 20


def test_unit_price_at_quantity_reads_the_right_tier():
    tiers = [PriceTier(min_qty=100, unit_price=5.0), PriceTier(min_qty=500, unit_price=4.5), PriceTier(min_qty=1000, unit_price=4.0)]
    assert price_at(tiers, 99) is None
    assert price_at(tiers, 100) == 5.0
    assert price_at(tiers, 999) == 4.5
    assert price_at(tiers, 10_000) == 4.0


def test_offer_validation_messages_name_valid_choices():
    with pytest.raises(ValidationError) as e:
        OfferIn(external_id="o", product_external_id="p", supplier_external_id="s", currency="DOLLARS",
                price_tiers=[{"min_qty": 1, "unit_price": 2}], incoterm="FOBB")
    text = str(e.value)
    assert "ISO 4217" in text and "Incoterms 2020" in text and "FOB" in text
    with pytest.raises(ValidationError, match="greater than 0"):
        OfferIn(external_id="o", product_external_id="p", supplier_external_id="s", price_tiers=[{"min_qty": 1, "unit_price": -2}])


def test_supplier_and_product_normalisation():
    s = SupplierIn(external_id="s", name="X", country="China", certifications=["iso9001", "ce", "BSCI"])
    assert s.country == "CN" and s.certifications == ["BSCI", "CE", "ISO 9001"]
    assert normalize_certification("rohs") == "RoHS"
    with pytest.raises(ValidationError, match="HS 2022"):
        ProductIn(external_id="p", title="thing", hs_code="123456")


def test_fx_rates_from_env_merge_over_defaults(monkeypatch):
    from tradewinds.settings import Settings

    monkeypatch.setenv("TRADEWINDS_FX_RATES", '{"eur": 1.2}')
    rates = Settings().fx_rates
    assert rates["EUR"] == 1.2 and rates["USD"] == 1.0 and "CNY" in rates
    monkeypatch.setenv("TRADEWINDS_FX_RATES", '{"EUR": -1}')
    with pytest.raises(ValidationError, match="positive"):
        Settings()
