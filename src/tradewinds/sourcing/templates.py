"""Project templates: "a 40-seat coffee shop" becomes a bill of materials with visible formulas.

A template is trade knowledge, not model output: each line names what to buy and how its
quantity follows from the project's scale (seats, rooms, people). The buyer sees every formula
in the report and can change any quantity in a follow-up.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateLine:
    name: str
    per: float  # units per `unit` of scale
    unit: str  # "seats", "rooms", "people" or "fixed"
    minimum: int = 1
    why: str = ""

    def quantity(self, scale: int) -> tuple[int, str]:
        if self.unit == "fixed":
            return int(self.per), f"{int(self.per)} ({self.why})" if self.why else f"{int(self.per)}"
        qty = max(self.minimum, math.ceil(scale * self.per))
        ratio = f"{scale} {self.unit} / {1 / self.per:g} per unit" if self.per < 1 else f"{scale} {self.unit} x {self.per:g}"
        floor = f", at least {self.minimum}" if qty == self.minimum and self.minimum > 1 else ""
        return qty, f"{ratio} = {qty}{floor}" + (f" ({self.why})" if self.why else "")


@dataclass(frozen=True)
class Template:
    key: str
    pattern: str  # words that name the project, several languages
    scale: str
    default_scale: int
    lines: tuple[TemplateLine, ...]


T, L = Template, TemplateLine
TEMPLATES: tuple[Template, ...] = (
    T("coffee shop", r"coffee ?shop|caf[eé]\b|cafeter[ií]a|coffee bar|咖啡店|咖啡馆|咖啡廳|카페|커피숍|مقهى|كافيه", "seats", 30, (
        L("commercial espresso machine", 1 / 40, "seats", why="one 2-group machine serves about 40 seats"),
        L("commercial coffee grinder", 2 / 40, "seats", 2, "espresso and decaf/filter"),
        L("commercial blender", 1, "fixed", why="cold drinks"),
        L("upright display fridge", 1, "fixed", why="milk and cakes"),
        L("commercial ice maker", 1, "fixed", why="iced drinks"),
        L("metal cafe chair", 1, "seats"),
        L("restaurant table", 1 / 4, "seats", why="tables of 4"),
        L("ceramic coffee mug", 3, "seats", why="3 per seat for rotation"),
        L("disposable paper coffee cup", 250, "seats", 10000, "about a month of takeaway"),
        L("pendant light", 1 / 8, "seats", 4),
    )),
    T("restaurant", r"restaurant|bistro|diner|restaurante|餐厅|饭店|餐馆|식당|레스토랑|مطعم", "seats", 50, (
        L("metal cafe chair", 1, "seats"),
        L("restaurant table", 1 / 4, "seats", why="tables of 4"),
        L("stainless steel stock pot", 1 / 10, "seats", 4),
        L("non-stick frying pan", 1 / 8, "seats", 6),
        L("upright display fridge", 1 / 50, "seats", 1),
        L("commercial ice maker", 1, "fixed"),
        L("borosilicate drinking glass", 3, "seats", why="3 per seat for rotation"),
        L("pendant light", 1 / 8, "seats", 4),
        L("disposable food container", 200, "seats", 10000, "takeaway, about a month"),
    )),
    T("hotel", r"hotel|guest ?house|hostel|motel|hostal|酒店|宾馆|民宿|호텔|فندق", "rooms", 20, (
        L("hotel bed sheet set", 3, "rooms", why="3 sets per room: on the bed, in the wash, spare"),
        L("cotton bath towel", 4, "rooms", why="2 guests x 2 for rotation"),
        L("hotel soap bar", 60, "rooms", 3000, "about a month at full occupancy"),
        L("argan oil shampoo", 30, "rooms", 1000, "about a month"),
        L("LED TV", 1, "rooms"),
        L("area rug", 1, "rooms"),
        L("LED bulb", 6, "rooms", 500),
    )),
    T("office", r"office|cowork|oficina|办公室|写字楼|사무실|오피스|مكتب", "people", 20, (
        L("ergonomic office chair", 1, "people"),
        L("business laptop", 1, "people"),
        L("LED bulb", 2, "people", 500),
        L("USB-C fast charger", 1, "people", 200),
    )),
)


def match_template(text: str, scale: dict[str, int]) -> tuple[Template, int, bool] | None:
    """(template, scale, scale stated?) when the need names a project (and no explicit product quantity list)."""
    lowered = text.lower()
    for t in TEMPLATES:
        if re.search(t.pattern, lowered):
            if t.scale in scale:
                return t, scale[t.scale], True
            if re.search(r"open|opening|start|set ?up|furnish|equip|abrir|montar|开|开设|新开|오픈|창업|افتتاح|فتح", lowered):
                return t, t.default_scale, False
    return None
