"""Disclosure control: random small tables never leak a withheld count through any published total."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tipline.services import disclosure

SMALL = st.one_of(st.integers(0, 6), st.integers(0, 30))


def _table(rows: list[list[int]], name: str = "t", totals: str = "row") -> tuple[dict, list]:
    """A table with its row totals (shared name), column totals and grand total, as counts and equations."""
    values, equations = {}, []
    for r, row in enumerate(rows):
        for c, n in enumerate(row):
            values[(name, r, c)] = n
        values[(totals, r)] = sum(row)
        equations.append(((totals, r), [(name, r, c) for c in range(len(row))]))
    for c in range(len(rows[0])):
        values[(name, "col", c)] = sum(row[c] for row in rows)
        equations.append(((name, "col", c), [(name, r, c) for r in range(len(rows))]))
    values[(name, "all")] = sum(map(sum, rows))
    equations.append(((name, "all"), [(name, "col", c) for c in range(len(rows[0]))]))
    equations.append(((name, "all"), [(totals, r) for r in range(len(rows))]))
    return values, equations


def _reader_view(values: dict, equations: list, k: int) -> tuple[dict, dict]:
    """What a reader gets: published values and the state of each count, parsed back from the public text."""
    shown = disclosure.protect_shown(values, equations, k)
    parsed = {v: disclosure.parse_shown(text, k) for v, text in shown.items()}
    return {v: n for v, (n, _s) in parsed.items() if n is not None}, {v: s for v, (_n, s) in parsed.items()}


def _differencing_attack(published: dict, equations: list) -> dict:
    """Solve, again and again, every equation with a single unknown left (totals minus cells, tables minus tables)."""
    known = dict(published)
    progress = True
    while progress:
        progress = False
        for total, parts in equations:
            unknown = [v for v in (total, *parts) if v not in known]
            if len(unknown) == 1:
                rest = sum(known[p] for p in parts if p in known)
                var = unknown[0]
                known[var] = known[total] - rest if var != total else rest
                progress = True
    return {v: n for v, n in known.items() if v not in published}


def _rank_attack(published: dict, states: dict, equations: list) -> list:
    """Withheld counts fixed by the equations alone (linear algebra, no bounds)."""
    hidden = [v for v, s in states.items() if s != disclosure.PUBLISHED]
    index = {v: i for i, v in enumerate(hidden)}
    rows = []
    for total, parts in equations:
        row = np.zeros(len(hidden))
        for var, coef in [(total, -1.0), *[(p, 1.0) for p in parts]]:
            if var in index:
                row[index[var]] += coef
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    return [v for v in hidden if np.linalg.matrix_rank(np.vstack([matrix, np.eye(len(hidden))[index[v]]])) == rank]


def _brute_force_attack(published: dict, states: dict, equations: list, k: int, ceiling: int) -> dict:
    """Enumerate every whole-number filling of the withheld counts consistent with what is published."""
    hidden = [v for v, s in states.items() if s != disclosure.PUBLISHED]
    # what the marks say: "<k" is 1 to k-1 (a zero is published as 0), "x" is any count
    ranges = [range(1, k) if states[v] == disclosure.PRIMARY else range(ceiling + 1) for v in hidden]
    if not hidden or np.prod([len(r) for r in ranges], dtype=float) > 30000:
        return {}
    seen: dict = {v: set() for v in hidden}
    for combo in itertools.product(*ranges):
        full = published | dict(zip(hidden, combo, strict=True))
        if all(full[t] == sum(full[p] for p in parts) for t, parts in equations):
            for v, n in zip(hidden, combo, strict=True):
                seen[v].add(n)
    return {v: next(iter(s)) for v, s in seen.items() if s != {0} and len(s) == 1}  # a zero reveals nobody


def _assert_no_leak(values: dict, equations: list, k: int) -> None:
    """Every attack leaves every withheld count above zero undetermined, and nothing from 1 to k-1 is printed."""
    published, states = _reader_view(values, equations, k)
    assert all(not 0 < n < k for n in published.values())
    assert all(published[v] == values[v] for v in published)
    assert all(values[v] == 0 for v in _differencing_attack(published, equations))
    assert all(values[v] == 0 for v in _rank_attack(published, states, equations))
    ceiling = sum(values.values())
    assert _brute_force_attack(published, states, equations, k, ceiling) == {}
    for var, (lo, hi) in disclosure.bounds(published, states, equations, k).items():
        assert values[var] == 0 or hi - lo >= 1, (var, lo, hi)


@settings(max_examples=80, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(1, 4).flatmap(lambda c: st.lists(st.lists(SMALL, min_size=c, max_size=c), min_size=1, max_size=4)),
    k=st.integers(3, 6),
)
def test_random_tables_never_leak_a_cell_through_row_column_or_grand_totals(rows, k):
    values, equations = _table(rows)
    _assert_no_leak(values, equations, k)


@settings(max_examples=40, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=st.lists(st.lists(SMALL, min_size=3, max_size=3), min_size=2, max_size=3),
    data=st.data(),
    k=st.integers(3, 5),
)
def test_two_tables_sharing_their_row_totals_never_leak_through_each_others_marginals(first, data, k):
    second = [data.draw(_split(sum(row))) for row in first]
    a_values, a_equations = _table(first, "a")
    b_values, b_equations = _table(second, "b")
    assert all(a_values[v] == b_values[v] for v in a_values.keys() & b_values.keys())
    _assert_no_leak(a_values | b_values, a_equations + b_equations, k)


def _split(total: int):
    """Two counts adding up to total (another breakdown of the same row)."""
    return st.integers(0, total).map(lambda x: [x, total - x])


def test_one_small_cell_in_a_row_takes_the_next_smallest_with_it():
    values, equations = _table([[3, 9, 40]])
    shown = disclosure.protect_shown(values, equations, 5)
    assert shown[("t", 0, 0)] == "<5"
    assert shown[("t", 0, 1)] == "x"
    assert shown[("t", 0, 2)] == "40"
    assert shown[("row", 0)] == "52"


def test_counts_of_k_or_more_and_zero_are_published_as_they_are():
    values, equations = _table([[0, 5], [12, 7]])
    shown = disclosure.protect_shown(values, equations, 5)
    assert set(shown.values()) == {"0", "5", "12", "7", "19", "24"}


def test_statistics_need_at_least_k_items():
    assert not disclosure.statistic_allowed(4, 5)
    assert disclosure.statistic_allowed(5, 5)


def test_cases_hypothesis_once_broke_stay_protected():
    """All-suppressed tables whose "x" marks pinned a total, and an "x" between k-1 and k, stay unrecoverable."""
    a_values, a_equations = _table([[1, 1, 1], [1, 1, 1]], "a")
    b_values, b_equations = _table([[0, 3], [0, 3]], "b")
    _assert_no_leak(a_values | b_values, a_equations + b_equations, 3)
    _assert_no_leak(*_table([[1, 24, 4], [5, 6, 3]]), 5)
    shown = disclosure.protect_shown(*_table([[0, 0, 0, 0], [0, 0, 1, 3]]), 3)
    assert "1" not in shown.values() and "2" not in shown.values()


def test_a_small_mark_never_pins_its_neighbour_through_the_total():
    """ "<5" means 1 to 4 (a reader knows it is not 0): total 6 = web 5 + sms 1 leaves both open."""
    values = {"total": 6, "web": 5, "sms": 1}
    equations = [("total", ["web", "sms"])]
    _assert_no_leak(values, equations, 5)
    published, states = _reader_view(values, equations, 5)
    assert disclosure.bounds(published, states, equations, 5) == {"web": (2, 5), "sms": (1, 4)}


def test_an_equation_the_data_breaks_does_not_switch_protection_off():
    """Tips counted in an area the deployment no longer lists: the channel breakdown is still protected."""
    values = {"total": 15, "web": 12, "sms": 3, "north": 0}
    equations = [("total", ["web", "sms"]), ("total", ["north"])]
    shown = disclosure.protect_shown(values, equations, 5)
    assert shown["sms"] == "<5" and shown["web"] == "x"
