"""Project templates: "a 40-seat coffee shop" becomes a bill of materials with visible formulas.

A template is trade knowledge, not model output: each line names a product concept (the
lexicon's, so its identity is checked like any other line) and how its quantity follows from
the project's scale (seats, rooms, people). The arithmetic is exact and shown: "20 rooms x 6 per
room = 120". A line the catalog does not carry stays in the plan, marked so, instead of being
silently left out. The buyer can change any quantity in a follow-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..lang import cues, fold


@dataclass(frozen=True)
class TemplateLine:
    name: str  # a lexicon concept
    per: float  # units per one unit of scale (or the fixed count)
    unit: str  # "seats", "rooms", "people" or "fixed"
    minimum: int = 1
    why: str = ""

    def quantity(self, scale: int) -> tuple[int, str]:
        if self.unit == "fixed":
            qty = int(self.per)
            return qty, f"{qty} per project" + (f" ({self.why})" if self.why else "")
        exact = scale * self.per
        qty = math.ceil(exact - 1e-9)
        if self.per < 1:
            formula = f"{scale} {self.unit} / {1 / self.per:g} per unit = {exact:g}"
        else:
            formula = f"{scale} {self.unit} x {self.per:g} per {self.unit.rstrip('s')} = {exact:g}"
        if qty != exact:
            formula += f", rounded up to {qty}"
        if qty < self.minimum:
            qty = self.minimum
            formula += f", at least {self.minimum}"
        return qty, formula + (f" ({self.why})" if self.why else "")


@dataclass(frozen=True)
class Template:
    key: str
    concept: str  # the cues.toml table of project words
    scale: str
    default_scale: int
    lines: tuple[TemplateLine, ...]


T, L = Template, TemplateLine
TEMPLATES: tuple[Template, ...] = (
    T("coffee shop", "project_coffee_shop", "seats", 30, (
        L("espresso machine", 1 / 40, "seats", why="one 2-group machine serves about 40 seats"),
        L("coffee grinder", 1 / 20, "seats", 2, "espresso and decaf or filter"),
        L("blender", 1, "fixed", why="cold drinks"),
        L("display fridge", 1, "fixed", why="milk and cakes"),
        L("ice maker", 1, "fixed", why="iced drinks"),
        L("cafe chair", 1, "seats"),
        L("restaurant table", 1 / 4, "seats", why="tables of 4"),
        L("coffee mug", 3, "seats", why="3 per seat for rotation"),
        L("paper cup", 250, "seats", why="about a month of takeaway"),
        L("pendant light", 1 / 8, "seats", 4),
    )),
    T("restaurant", "project_restaurant", "seats", 50, (
        L("cafe chair", 1, "seats"),
        L("restaurant table", 1 / 4, "seats", why="tables of 4"),
        L("cooking pot", 1 / 10, "seats", 4),
        L("frying pan", 1 / 8, "seats", 6),
        L("display fridge", 1 / 50, "seats", 1),
        L("ice maker", 1, "fixed"),
        L("drinking glass", 3, "seats", why="3 per seat for rotation"),
        L("plate", 3, "seats", why="3 per seat for rotation"),
        L("cutlery set", 3, "seats", why="3 per seat for rotation"),
        L("pendant light", 1 / 8, "seats", 4),
        L("food container", 200, "seats", why="takeaway, about a month"),
    )),
    T("hotel", "project_hotel", "rooms", 20, (
        L("bed frame", 1, "rooms"),
        L("mattress", 1, "rooms"),
        L("pillow", 2, "rooms", why="2 guests"),
        L("blanket", 1, "rooms"),
        L("bed sheet", 3, "rooms", why="3 sets per room: on the bed, in the wash, spare"),
        L("bath towel", 4, "rooms", why="2 guests x 2 for rotation"),
        L("towel", 4, "rooms", why="hand towels, 2 guests x 2"),
        L("curtain", 1, "rooms", why="one pair per room"),
        L("nightstand", 2, "rooms"),
        L("wardrobe", 1, "rooms"),
        L("LED TV", 1, "rooms"),
        L("area rug", 1, "rooms"),
        L("LED bulb", 6, "rooms"),
        L("smart door lock", 1, "rooms"),
        L("electric kettle", 1, "rooms"),
        L("hair dryer", 1, "rooms"),
        L("coffee mug", 2, "rooms", why="2 guests"),
        L("drinking glass", 2, "rooms", why="2 guests"),
        L("soap", 60, "rooms", why="2 guests x 30 nights at full occupancy, about a month"),
        L("shampoo", 30, "rooms", why="one a night for a month"),
    )),
    T("office", "project_office", "people", 20, (
        L("office chair", 1, "people"),
        L("office desk", 1, "people"),
        L("laptop", 1, "people"),
        L("LED panel light", 1 / 4, "people", 2, "one panel per 4 desks"),
        L("charger", 1, "people"),
        L("wireless earbuds", 1, "people", why="calls"),
    )),
)


def match_template(text: str, scale: dict[str, int], language: str | None = None) -> tuple[Template, int, bool] | None:
    """(template, scale, scale stated?) when the need names a project with its scale, or 'opening' one."""
    folded = fold(text)
    for t in TEMPLATES:
        if cues.present(t.concept, folded, language):
            if t.scale in scale:
                return t, scale[t.scale], True
            if cues.present("open_project", folded, language):
                return t, t.default_scale, False
    return None
