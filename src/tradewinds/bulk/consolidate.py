"""Consolidation: one offer per line (or none, flagged) at the least total cost, as a MIP solved by HiGHS.

    minimise   sum c[l,o] x[l,o] + F sum y[s] + sum P[l] u[l]
    subject to sum_o x[l,o] + u[l] = 1            every line gets one offer or is flagged
               x[l,o] <= y[s(o)]                  buying from a supplier pays its fixed cost
               sum y[s] <= K                      optional: at most K suppliers
               sum c x + F sum y <= B             optional: total budget

c[l,o] is the tier price at the line's quantity x quantity (converted to the plan currency) plus
an optional lead-time penalty; candidates already meet MOQ, the line's price cap and its
certifications (they are the sourcing step's adequate options). P[l] exceeds anything dropping
the line could save, so a line is left out only when the caps make it impossible.
Two baselines are computed in the same run: the cheapest offer per line, and the fewest
suppliers that cover every line with the cheapest offers among such covers (the same program with a
fixed cost above any goods saving), each then paying the real fixed costs.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
from pydantic import BaseModel, Field


@dataclass(frozen=True)
class Candidate:
    key: str  # offer id
    supplier_id: str
    cost: float  # goods cost of the line with this offer (plan currency), penalties included


class Strategy(BaseModel):
    name: str
    total_cost: float = Field(description="goods + fixed supplier costs")
    goods_cost: float
    fixed_costs: float
    suppliers: int
    lines_assigned: int
    choice: dict[str, str] = Field(default_factory=dict, description="line id -> offer id")


class SolverReport(BaseModel):
    status: str
    optimal: bool
    gap: float | None = Field(None, description="relative MIP gap at the end (0 = proven optimal)")
    time_s: float
    time_limit_s: float
    variables: int
    constraints: int


def _strategy(name: str, choice: dict[str, Candidate], fixed_cost: float) -> Strategy:
    goods = sum(c.cost for c in choice.values())
    suppliers = {c.supplier_id for c in choice.values()}
    return Strategy(name=name, total_cost=round(goods + fixed_cost * len(suppliers), 2), goods_cost=round(goods, 2),
                    fixed_costs=round(fixed_cost * len(suppliers), 2), suppliers=len(suppliers), lines_assigned=len(choice),
                    choice={line: c.key for line, c in choice.items()})


def cheapest_per_line(lines: dict[str, list[Candidate]], fixed_cost: float) -> Strategy:
    return _strategy("cheapest offer per line", {l: min(cs, key=lambda c: c.cost) for l, cs in lines.items() if cs}, fixed_cost)


def _highs(time_limit_s: float) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.setOptionValue("threads", 1)
    return h


def _solve(costs: list[float], rows: list[tuple[list[int], list[float], float, float]], time_limit_s: float):
    """A binary program: minimise costs.x subject to lower <= a.x <= upper for each row."""
    n = len(costs)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, len(rows)
    lp.col_cost_ = np.asarray(costs, dtype=float)
    lp.col_lower_, lp.col_upper_ = np.zeros(n), np.ones(n)
    lp.row_lower_ = np.asarray([r[2] for r in rows], dtype=float)
    lp.row_upper_ = np.asarray([r[3] for r in rows], dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    starts, index, value = [0], [], []
    for cols, coefs, _, _ in rows:
        index += cols
        value += coefs
        starts.append(len(index))
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = np.asarray(starts), np.asarray(index), np.asarray(value, dtype=float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = _highs(time_limit_s)
    h.passModel(lp)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    solution = np.asarray(h.getSolution().col_value) if info.primal_solution_status else None
    gap = None if solution is None else max(0.0, float(info.mip_gap))
    return solution, status, gap, info.primal_solution_status


def fewest_suppliers(lines: dict[str, list[Candidate]], fixed_cost: float, time_limit_s: float = 10.0) -> Strategy:
    """The fewest suppliers that cover every line and, among such covers, the cheapest choice of offers: the
    same program as the plan with a supplier's fixed cost above any saving in goods (a lexicographic objective)."""
    big = sum(max((c.cost for c in cs), default=0.0) for cs in lines.values()) + 1.0
    cover, _ = optimise(lines, big, time_limit_s=time_limit_s)
    by_key = {c.key: c for cs in lines.values() for c in cs}
    return _strategy("fewest suppliers", {line: by_key[key] for line, key in cover.choice.items()}, fixed_cost)


def optimise(lines: dict[str, list[Candidate]], fixed_cost: float, *, max_suppliers: int | None = None,
             budget: float | None = None, time_limit_s: float = 10.0) -> tuple[Strategy, SolverReport]:
    import time

    started = time.perf_counter()
    suppliers = sorted({c.supplier_id for cs in lines.values() for c in cs})
    y = {s: i for i, s in enumerate(suppliers)}
    costs = [fixed_cost] * len(suppliers)
    x: list[tuple[str, Candidate, int]] = []
    rows = []
    for line, cs in lines.items():
        cols = []
        for c in cs:
            x.append((line, c, len(costs)))
            cols.append(len(costs))
            costs.append(c.cost)
            rows.append(([len(costs) - 1, y[c.supplier_id]], [1.0, -1.0], -highspy.kHighsInf, 0.0))
        penalty = 2 * (max((c.cost for c in cs), default=0.0) + fixed_cost) + 1.0
        costs.append(penalty)  # u[line]: the line is left unassigned (flagged)
        rows.append((cols + [len(costs) - 1], [1.0] * (len(cols) + 1), 1.0, 1.0))
    if max_suppliers is not None:
        rows.append((list(range(len(suppliers))), [1.0] * len(suppliers), 0.0, float(max_suppliers)))
    if budget is not None:
        rows.append((list(range(len(suppliers))) + [i for _, _, i in x], [fixed_cost] * len(suppliers) + [c.cost for _, c, _ in x],
                     -highspy.kHighsInf, float(budget)))
    solution, status, gap, has_solution = _solve(costs, rows, time_limit_s)
    choice = {} if solution is None else {line: c for line, c, i in x if solution[i] > 0.5}
    report = SolverReport(status=status, optimal=status == "Optimal", gap=gap, time_s=round(time.perf_counter() - started, 3),
                          time_limit_s=time_limit_s, variables=len(costs), constraints=len(rows))
    return _strategy("optimised", choice, fixed_cost), report
