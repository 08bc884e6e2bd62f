"""Disclosure control for public figures: small counts withheld, with complementary suppression.

Pure functions, no Flask, no database. A publication is a set of named counts and a list of equations
"total = sum(parts)" that readers know hold (row and column totals, the same total in several tables).
A count from 1 to k-1 is shown as "<k" (primary suppression; a zero is published as 0). Then, as long as a
reader could still work out a withheld count exactly from the published ones — by linear programming on the
equations, using that a "<k" lies between 1 and k-1 and an "x" is any count — the smallest published count
next to it is withheld too, shown "x" (complementary suppression). When no published count is left to
withhold, a "<k" next to it becomes "x" as well, which widens what a reader knows of it to "any count".
A withheld zero may still be worked out as zero: it reveals nobody.
Zeros beside a withheld total are withheld too ("x"): a month of two tips shown as "<5" in one cell of every
table and 0 in all the others would tell anyone who knows of one of those tips everything about it.
Internal counts (known to the publisher, never published: the tips that are not complaints, say) take part in
the equations as "x" from the start, so that relations between subsets of a table are part of the attack.
The attack used to decide is `bounds`, the same a test uses to try to break it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
from scipy.optimize import linprog

PUBLISHED, PRIMARY, SECONDARY = "published", "primary", "secondary"
SECONDARY_MARK = "x"

Equation = tuple[Hashable, Sequence[Hashable]]


def primary_mark(k: int) -> str:
    """How a count from 1 to k-1 is shown."""
    return f"<{k}"


def shown(value: int, state: str, k: int) -> str:
    """The public form of a count in a given state."""
    if state == PRIMARY:
        return primary_mark(k)
    if state == SECONDARY:
        return SECONDARY_MARK
    return str(value)


def _attacker_bounds(state: str, k: int) -> tuple[float, float | None]:
    """What a reader knows about a withheld count from its mark alone ("<k" is 1 to k-1, "x" any count)."""
    return (1, k - 1) if state == PRIMARY else (0, None)


def bounds(
    published: Mapping[Hashable, int | None],
    states: Mapping[Hashable, str],
    equations: Sequence[Equation],
    k: int,
) -> dict[Hashable, tuple[float, float]]:
    """The tightest range a reader can infer for each withheld count (linear programming on the equations)."""
    hidden = sorted((v for v, s in states.items() if s != PUBLISHED), key=repr)
    index = {v: i for i, v in enumerate(hidden)}
    rows, rhs = [], []
    for total, parts in equations:
        row, known = np.zeros(len(hidden)), 0.0
        for var, coef in [(total, -1.0), *[(p, 1.0) for p in parts]]:
            if var in index:
                row[index[var]] += coef
            else:
                known += coef * published[var]
        if row.any():
            rows.append(row)
            rhs.append(-known)
    limits = [_attacker_bounds(states[v], k) for v in hidden]
    return {var: _range(index[var], rows, rhs, limits) for var in hidden}


def _range(i: int, rows: list, rhs: list, limits: list) -> tuple[float, float]:
    """Minimum and maximum of variable i under the equations and the bounds."""
    low, high = limits[i][0], math.inf if limits[i][1] is None else limits[i][1]
    if not rows:
        return low, high
    a_eq, b_eq = np.array(rows), np.array(rhs)
    objective = np.zeros(len(limits))
    found = []
    for sign in (1.0, -1.0):
        objective[i] = sign
        res = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=limits, method="highs")
        if res.status == 3:  # unbounded
            found.append(math.inf if sign < 0 else low)
        elif res.status != 0:  # infeasible: inconsistent input; nothing to learn
            return low, high
        else:
            found.append(sign * res.fun)
    return found[0], found[1]


def _exposed(found: dict[Hashable, tuple[float, float]]) -> list[Hashable]:
    """Withheld counts whose range holds a single whole number."""
    return [v for v, (lo, hi) in found.items() if hi != math.inf and math.floor(hi + 1e-6) - math.ceil(lo - 1e-6) < 1]


def _complement(
    var: Hashable, values: Mapping[Hashable, int], states: dict, equations: Sequence[Equation]
) -> Hashable | None:
    """The count to withhold (or blur) next to an exposed one: the smallest published part first, totals last;
    with none left, a "<k" in the same equations (it becomes "x")."""
    totals = {t for t, _ in equations}
    near = [eq for eq in equations if var == eq[0] or var in eq[1]]
    touched = [eq for eq in equations if any(states[x] != PUBLISHED for x in (eq[0], *eq[1]))]
    for pool, state in ((near, PUBLISHED), (touched, PUBLISHED), (near, PRIMARY), (touched, PRIMARY)):
        candidates = {x for total, parts in pool for x in (total, *parts) if states[x] == state}
        if candidates:
            return min(candidates, key=lambda x: (x in totals, values[x] == 0, values[x], repr(x)))
    return None


def holding(values: Mapping[Hashable, int], equations: Sequence[Equation]) -> list[Equation]:
    """The equations the true counts satisfy (a relation that fails in the data cannot help a reader)."""
    return [(total, parts) for total, parts in equations if values[total] == sum(values[p] for p in parts)]


def protect(
    values: Mapping[Hashable, int], equations: Sequence[Equation], k: int, internal: frozenset = frozenset()
) -> dict[Hashable, str]:
    """The state of every count (published, primary or secondary) so that no withheld count can be recovered.

    Only the equations that hold are used; an equation that does not hold would make the attack infeasible and
    wrongly declare every count safe. `internal` counts are never published (their state stays secondary).
    """
    equations = holding(values, equations)
    states = {v: SECONDARY if v in internal else PRIMARY if 0 < n < k else PUBLISHED for v, n in values.items()}
    while True:
        published = {v: n for v, n in values.items() if states[v] == PUBLISHED}
        exposed = [v for v in _exposed(bounds(published, states, equations, k)) if values[v] > 0 and v not in internal]
        if not exposed:
            break
        extra = {_complement(v, values, states, equations) for v in exposed} - {None}
        if not extra:
            break
        states[min(extra, key=lambda x: (states[x] == PRIMARY, values[x], repr(x)))] = SECONDARY
    for total, parts in equations:  # zeros beside a withheld total (or taken from one) say who the others are
        if states[total] != PUBLISHED and total not in internal:
            states.update({p: SECONDARY for p in parts if states[p] == PUBLISHED and values[p] == 0})
    return states


def protect_shown(
    values: Mapping[Hashable, int], equations: Sequence[Equation], k: int, internal: frozenset = frozenset()
) -> dict[Hashable, str]:
    """The public form of every published count after protection (internal counts are left out)."""
    states = protect(values, equations, k, internal)
    return {v: shown(values[v], states[v], k) for v in values if v not in internal}


def parse_shown(text: str, k: int) -> tuple[int | None, str]:
    """A reader's view of a published count: its value (None if withheld) and its state."""
    if text == primary_mark(k):
        return None, PRIMARY
    if text == SECONDARY_MARK:
        return None, SECONDARY
    return int(text), PUBLISHED


def statistic_allowed(n: int, k: int) -> bool:
    """A median or an average is published only when based on at least k items."""
    return n >= k
