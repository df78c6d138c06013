"""Specs read from a buyer's words, scored against records by unit, carried through understand and bulk plans."""

import json

import pytest

from tradewinds.catalog.schemas import Attribute
from tradewinds.models import FakeChatModel, Gateway
from tradewinds.settings import Settings
from tradewinds.sourcing.extract import extract
from tradewinds.sourcing.schemas import Spec
from tradewinds.sourcing.score import _spec_check
from tradewinds.sourcing.specs import find_specs, strip_measures, to_base
from tradewinds.sourcing.understand import understand


def _read(text):
    e = extract(text)
    return [(s.name, s.value, s.unit) for s in find_specs(text, [m.span for m in e.money] + [sp for _, sp in e.quantities])]


@pytest.mark.parametrize("text, expected", [
    ("LED bulb E27 9W warm white 3000K", [("base", "E27", None), ("power", 9.0, "W"), ("color", "white", None),
                                          ("color temperature", 3000.0, "K")]),
    ("500 stainless steel bottles 750 ml, under $4 each", [("material", "stainless steel", None), ("capacity", 750.0, "ml")]),
    ("需要300个350毫升陶瓷马克杯，白色", [("capacity", 350.0, "ml"), ("material", "ceramic", None), ("color", "white", None)]),
    ("cafetera de acero inoxidable 1,5 L", [("material", "stainless steel", None), ("capacity", 1.5, "L")]),
    ("canvas tote 38x42 cm, 5 in a box", [("material", "canvas", None), ("size", "38x42", "cm")]),
    ("power bank 10000mAh USB-C", [("capacity", 10000.0, "mAh"), ("port", "USB-C", None)]),
    ("hammer drill 120 Nm 2.0 Ah", [("torque", 120.0, "Nm"), ("capacity", 2.0, "Ah")]),
    ("order 500 kg of arabica coffee beans for $2k", []),  # quantities (a bulk 500 kg) and money are not specs
    ("шприцы 10 мл, кабель 5 м, 2 млн штук", [("capacity", 10.0, "ml"), ("size", 5.0, "m")]),  # 'млн' is a million, not ml
])
def test_specs_are_read_as_written_and_quantities_or_prices_are_not_specs(text, expected):
    assert _read(text) == expected


def test_measures_are_stripped_from_a_name_and_converted_to_base_units():
    assert strip_measures("LED bulb E27 9W") == "LED bulb"
    assert strip_measures("Ceramic mug 350 ml (white)") == "Ceramic mug (white)"
    assert strip_measures("LED panel (60x60 cm), 36W") == "LED panel"
    assert to_base(3.6, "kW") == (3600.0, "W") and to_base(1.5, "L") == (1500.0, "ml") and to_base(2, "V") == (2, "V")


class _Record:
    def __init__(self, *attrs, title="x", description=""):
        self.attributes, self.title, self.description = list(attrs), title, description


def test_a_spec_is_scored_against_the_attribute_of_the_same_kind_in_any_unit():
    espresso = _Record(Attribute(name="power", value=3600, unit="W"), Attribute(name="color temperature", value=3000, unit="K"),
                       Attribute(name="frame color", value="matte black"))
    assert _spec_check(Spec(name="power", value=3.6, unit="kW"), espresso).status == "met"
    assert _spec_check(Spec(name="power", value=2.8, unit="kW"), espresso).status == "fails"
    assert _spec_check(Spec(name="power", value=3.5, unit="kW"), espresso).status == "partial"  # within 10%
    # a spec named differently is found by its unit; 'color' is not 'color temperature'
    assert _spec_check(Spec(name="rated output", value=3600.0, unit="W"), espresso).evidence == "attribute power = 3600 W"
    assert _spec_check(Spec(name="color", value="black"), espresso).evidence == "attribute frame color = matte black"
    assert _spec_check(Spec(name="capacity", value=350.0, unit="ml"), espresso).status == "unknown"  # silent: ask the supplier
    bulb = _Record(title="LED bulb 9W E27")
    assert _spec_check(Spec(name="power", value=9.0, unit="W"), bulb).status == "met"


def test_a_material_word_that_heads_a_product_name_is_not_its_material():
    from tradewinds.sourcing.understand import understand

    line = understand("ต้องการแก้วกาแฟกระดาษ 5000 ใบ", None)[0].lines[0]  # 'แก้ว' is glass, and a cup: here the cup, of paper
    assert (line.concept, [(s.name, s.value) for s in line.specs]) == ("paper cup", [("material", "paper")])


def test_understand_gives_each_line_its_own_specs(tmp_path):
    said = {"lines": [{"product": "ceramic mug", "quantity": 300, "specs": [{"name": "capacity", "value": "350", "unit": "ml"}]},
                      {"product": "stainless steel plate", "quantity": 200, "specs": [{"name": "finish", "value": "mirror"}]}]}
    fake = FakeChatModel(lambda r: json.dumps(said), model="x")
    settings = Settings(data_dir=tmp_path, model_routes={"default": ["fake:x"]})
    gateway = Gateway(settings, models={"fake:x": fake}, cache=False)
    ledger, calls = understand("300 pcs ceramic mugs 350ml white and 200 pcs stainless steel plates 27cm mirror, under $3 each", gateway)
    mug, plate = ledger.lines
    assert [(s.name, s.value) for s in mug.specs] == [("material", "ceramic"), ("capacity", 350.0), ("color", "white")]
    # read from its own words; the model's grounded 'finish' is kept, the model cannot repeat a spec already read
    assert [(s.name, s.value) for s in plate.specs] == [("material", "stainless steel"), ("size", 27.0), ("finish", "mirror")]


def test_without_a_model_the_name_loses_its_measures_and_keeps_them_as_specs():
    ledger, _ = understand("need 2000 LED bulbs E27 9W 3000K", None)
    (line,) = ledger.lines
    assert line.quantity == 2000 and line.name == "LED bulb" and line.concept == "LED bulb"
    assert [(s.name, s.value) for s in line.specs] == [("base", "E27"), ("power", 9.0), ("color temperature", 3000.0)]


def test_a_sheet_line_reads_its_specs_when_the_quantity_has_its_own_column():
    from tradewinds.bulk.columns import detect
    from tradewinds.bulk.lines import to_lines
    from tradewinds.bulk.reader import Sheet

    sheet = Sheet("s.csv", "s", [(1, ["item", "qty", "notes"]), (2, ["hammer drill 120 Nm", "40", "2.0 Ah battery"]),
                                 (3, ["LED panel 60x60 cm 36W", "", ""])], "csv")
    drill, panel = to_lines(sheet, detect(sheet))[0]
    assert drill.line.quantity == 40 and drill.line.name == "electric drill" and drill.line.concept == "electric drill"
    assert [(s.name, s.value, s.unit) for s in drill.line.specs] == [("torque", 120.0, "Nm"), ("capacity", 2.0, "Ah")]
    assert panel.line.quantity == 1 and [(s.name, s.value) for s in panel.line.specs] == [("size", "60x60"), ("power", 36.0)]
