"""Every rule of issue 13 against a reference computed separately from the implementation.

``reference_rules`` was written from the law (DOMAIN.md) alone, with integer cross-multiplication;
here hypothesis generates consistent tallies (0 ≤ yes ≤ participants ≤ eligible, the same for
households and for floor areas given as Decimals with two places) and checks that the public
interface of ``gongzhi.deliberation.rules`` agrees with it: whether the vote passed, how many
checks there are and which of them (quorum, threshold, tie) failed, the requirement written on each
check and the numbers it shows. Explicit examples pin the boundaries the law words decide: exactly
2/3, exactly 60%, exactly half, ties, failed quorums with a unanimous yes, empty rolls and meetings.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings as hsettings, strategies as st

from gongzhi.deliberation.rules import RULES, Tally, checks, passed

from .reference_rules import RULE_NAMES, reference

SETTINGS = hsettings(max_examples=300, deadline=None, derandomize=True, database=None)
AREA_FIELDS = ("eligible_area", "participant_area", "yes_area")


def tally(case: dict) -> Tally:
    """The implementation's Tally for a case (areas, given as Decimals, passed as Fractions)."""
    values = dict(case)
    for name in AREA_FIELDS:
        values[name] = Fraction(values.get(name, 0))
    return Tally(**values)


def ref(rule: str, case: dict):
    return reference(rule, **case)


# -- generated tallies -----------------------------------------------------------------------


SHARES = [(1, 2), (2, 3), (3, 4), (3, 5)]


@st.composite
def chain(draw, *, scale_max: int) -> tuple[int, int, int]:
    """Three integers whole ≥ mid ≥ low ≥ 0.

    Three kinds, so that every boundary is met often: small wholes (up to 30), which meet the simple
    shares exactly and one off; the same scaled by a large factor and moved by one unit; and one of
    the pairs (mid of whole, low of mid, low of whole) set exactly on a share the law uses (1/2, 2/3,
    3/4, 60%), or one unit beside it, at any size.
    """
    kind = draw(st.sampled_from(["small", "scaled", "on_share"]))
    nudge = draw(st.sampled_from([-1, 0, 0, 1]))
    if kind == "on_share":
        p, q = draw(st.sampled_from(SHARES))
        k = draw(st.integers(1, scale_max))
        pair = draw(st.sampled_from(["mid/whole", "low/mid", "low/whole"]))
        if pair == "mid/whole":
            whole = q * k
            mid = min(max(p * k + nudge, 0), whole)
            low = draw(st.integers(0, mid))
        elif pair == "low/mid":
            mid = q * k
            low = min(max(p * k + nudge, 0), mid)
            whole = mid + draw(st.integers(0, mid))
        else:
            whole = q * k
            low = min(max(p * k + nudge, 0), whole)
            mid = draw(st.integers(low, whole))
        return whole, mid, low
    whole = draw(st.integers(0, 30))
    mid = draw(st.integers(0, whole))
    low = draw(st.integers(0, mid))
    if kind == "scaled":
        k = draw(st.integers(2, scale_max))
        whole *= k
        mid = min(max(mid * k + nudge, 0), whole)
        low = min(max(low * k + draw(st.integers(-1, 1)), 0), mid)
    return whole, mid, low


def two_places(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)  # exact: 12345 -> 123.45


@st.composite
def cases(draw) -> dict:
    eligible, participants, yes = draw(chain(scale_max=10_000))
    eligible_households, participant_households, _ = draw(chain(scale_max=1_000))
    area = draw(chain(scale_max=10_000_000))  # in 0.01 m²
    return {
        "eligible": eligible,
        "participants": participants,
        "yes": yes,
        "eligible_households": eligible_households,
        "participant_households": participant_households,
        "eligible_area": two_places(area[0]),
        "participant_area": two_places(area[1]),
        "yes_area": two_places(area[2]),
        "tie": draw(st.booleans()),
    }


def case(eligible=0, participants=0, yes=0, eh=0, ph=0, ea="0", pa="0", ya="0", tie=False) -> dict:
    return {
        "eligible": eligible,
        "participants": participants,
        "yes": yes,
        "eligible_households": eh,
        "participant_households": ph,
        "eligible_area": Decimal(ea),
        "participant_area": Decimal(pa),
        "yes_area": Decimal(ya),
        "tie": tie,
    }


PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")


def shown_percents(actual: str) -> list[Fraction]:
    return [Fraction(Decimal(match)) for match in PERCENT.findall(actual)]


def assert_agrees(rule: str, values: dict) -> None:
    got = checks(rule, tally(values))
    want = ref(rule, values)
    assert passed(rule, tally(values)) is want.passed, (rule, values)
    # The same checks in the law's order, failing in the same places (quorum, threshold, tie).
    assert len(got) == len(want.checks), (rule, values, got)
    assert [c.met for c in got] == [c.met for c in want.checks], (rule, values, got)
    assert sum(not c.met for c in got) == want.failed
    for check, expected in zip(got, want.checks):
        assert isinstance(check.met, bool)
        # The requirement names the share the law sets ("> 1/2", "≥ 2/3", "≥ 60%"), ...
        for text in expected.labels:
            assert text in check.required, (rule, check.required, text)
        # ... and the actual figure is the exact share, rounded to 0.1%, or "—" for an empty whole.
        percents = shown_percents(check.actual)
        assert all(re.fullmatch(r"\d+\.\d", text) for text in PERCENT.findall(check.actual)), check.actual
        for part in expected.parts:
            whole = Fraction(part.whole)
            if whole == 0:
                assert "—" in check.actual, (rule, check.actual)
                continue
            exact = Fraction(part.part) * 100 / whole
            assert any(abs(p - exact) <= Fraction(1, 20) for p in percents), (rule, check.actual, exact)
            if isinstance(part.part, int):  # counts are shown as "yes/whole"
                assert f"{part.part}/{part.whole}" in check.actual, (rule, check.actual)


def test_the_rules_are_the_fixed_interface():
    assert tuple(RULES) == RULE_NAMES


@pytest.mark.parametrize("rule", RULE_NAMES)
@SETTINGS
@given(values=cases())
@example(values=case(9, 9, 6, ea="300", pa="200", ya="150"))  # exactly 2/3
@example(values=case(9, 9, 5, ea="300", pa="199.99", ya="150"))  # one fewer
@example(values=case(100, 60, 60, 100, 60, ea="100", pa="60", ya="60"))  # exactly 60%
@example(values=case(100, 59, 59, 100, 59))  # 59 of 100
@example(values=case(5, 3, 3, 5, 3))  # 3 of 5
@example(values=case(10, 5, 5, 10, 5, ea="10", pa="5", ya="5"))  # exactly half
@example(values=case(10, 10, 9, tie=True))  # a tie at the top
@example(values=case())  # empty roll
@example(values=case(10, 0, 0, 10, 0, ea="100"))  # nobody took part
def test_rule_agrees_with_reference(rule, values):
    assert_agrees(rule, values)


# -- the boundaries, one by one --------------------------------------------------------------
# (rule, tally, passed, [met of each check in the law's order])

BOUNDARIES = [
    # 三分之二以上 includes exactly 2/3; one fewer does not reach it.
    ("two_thirds", case(9, 9, 6), True, [True]),
    ("two_thirds", case(9, 9, 5), False, [False]),
    ("two_thirds", case(300, 300, 200), True, [True]),
    ("two_thirds", case(300, 300, 199), False, [False]),
    ("representatives_meeting", case(30, 20, 11), True, [True, True]),
    ("representatives_meeting", case(30, 19, 19), False, [False, True]),
    # Owners: 2/3 of the area exactly (200 of 300 m²) takes part; 199.99 m² does not.
    ("owners_ordinary", case(9, 6, 4, ea="300", pa="200", ya="100.01"), True, [True, True, True, True]),
    ("owners_ordinary", case(9, 6, 4, ea="300", pa="199.99", ya="100"), False, [False, True, True, True]),
    ("owners_ordinary", case(9, 5, 5, ea="300", pa="300", ya="300"), False, [True, False, True, True]),
    # Ordinary matters: exactly half of the area (or of the owners) is not more than half.
    ("owners_ordinary", case(9, 6, 3, ea="300", pa="200", ya="150"), False, [True, True, True, False]),
    ("owners_ordinary", case(9, 6, 4, ea="300", pa="200", ya="100"), False, [True, True, False, True]),
    # Major matters: exactly 3/4 of each is enough; 0.01 m² less is not.
    ("owners_major", case(12, 8, 6, ea="300", pa="200", ya="150"), True, [True, True, True, True]),
    ("owners_major", case(12, 8, 6, ea="300", pa="200", ya="149.99"), False, [True, True, False, True]),
    ("owners_major", case(12, 8, 5, ea="300", pa="200", ya="200"), False, [True, True, True, False]),
    # 60% of ALL households: 60 of 100 and 3 of 5 pass, 59 of 100 and 2 of 5 fail — even unanimous.
    ("households_60", case(100, 60, 60), True, [True]),
    ("households_60", case(100, 100, 60), True, [True]),
    ("households_60", case(100, 59, 59), False, [False]),
    ("households_60", case(5, 3, 3), True, [True]),
    ("households_60", case(5, 2, 2), False, [False]),
    # Exactly half: "过半数" fails, "半数以上" (party meeting quorum) holds.
    ("simple_majority", case(10, 10, 5), False, [False]),
    ("simple_majority", case(10, 10, 6), True, [True]),
    ("residents_meeting", case(10, 5, 5), False, [False, True]),
    ("residents_meeting", case(10, 6, 3), False, [True, False]),
    ("residents_meeting", case(10, 6, 4), True, [True, True]),
    ("party_members_meeting", case(10, 5, 5), False, [True, False]),
    ("party_members_meeting", case(10, 6, 6), True, [True, True]),
    ("party_members_meeting", case(10, 4, 4), False, [False, False]),
    # Party meeting: a majority of those present is not a majority of those who should attend.
    ("party_members_meeting", case(10, 6, 4), False, [True, False]),
    ("party_members_meeting", case(10, 10, 5), False, [True, False]),
    # Villagers: half of the adults is not enough, but 2/3 of the households present is.
    ("villagers_meeting", case(100, 50, 26, eh=30, ph=20), True, [True, True]),
    ("villagers_meeting", case(100, 50, 26, eh=30, ph=19), False, [False, True]),
    ("villagers_meeting", case(100, 51, 26, eh=30, ph=0), True, [True, True]),
    ("villagers_meeting", case(100, 51, 26), True, [True, True]),
    ("villagers_meeting", case(100, 51, 25, eh=30, ph=30), False, [True, False]),
    # Ties at the top: nothing passes, whatever the counts.
    ("simple_majority", case(10, 10, 9, tie=True), False, [True, False]),
    ("two_thirds", case(9, 9, 6, tie=True), False, [True, False]),
    ("residents_meeting", case(10, 10, 10, tie=True), False, [True, True, False]),
    # Failed quorums with a unanimous yes.
    ("residents_meeting", case(10, 5, 5), False, [False, True]),
    ("representatives_meeting", case(9, 5, 5), False, [False, True]),
    ("owners_major", case(9, 9, 9, ea="300", pa="199.99", ya="199.99"), False, [False, True, True, True]),
    ("owners_ordinary", case(9, 5, 5, ea="300", pa="300", ya="300"), False, [True, False, True, True]),
    ("villagers_meeting", case(100, 50, 50, eh=30, ph=19), False, [False, True]),
    ("party_members_meeting", case(10, 4, 4), False, [False, False]),
]


@pytest.mark.parametrize(
    "rule, values, expected, mets", BOUNDARIES, ids=[f"{b[0]}-{i}" for i, b in enumerate(BOUNDARIES)]
)
def test_boundary(rule, values, expected, mets):
    assert passed(rule, tally(values)) is expected
    assert [c.met for c in checks(rule, tally(values))] == mets
    # The hand-written expectation is also the reference's.
    assert ref(rule, values).passed is expected
    assert [c.met for c in ref(rule, values).checks] == mets
    assert_agrees(rule, values)


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_empty_roll_decides_nothing(rule):
    values = case()
    assert passed(rule, tally(values)) is False
    assert not any(c.met for c in checks(rule, tally(values)))


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_nobody_took_part_decides_nothing(rule):
    values = case(10, 0, 0, 10, 0, ea="300")
    assert passed(rule, tally(values)) is False
    quorum = [c for c, r in zip(checks(rule, tally(values)), ref(rule, values).checks) if r.kind == "quorum"]
    assert all(not c.met for c in quorum)


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_a_tie_at_the_top_passes_nothing(rule):
    # Everyone of a large roll took part, with the most-voted option at every share; a tie still fails.
    values = case(12, 12, 12, 12, 12, ea="300", pa="300", ya="300", tie=True)
    assert passed(rule, tally(values)) is False
    assert passed(rule, tally({**values, "tie": False})) is True
    assert sum(not c.met for c in checks(rule, tally(values))) == 1


def test_strings_name_the_numbers():
    (check,) = checks("two_thirds", tally(case(9, 9, 6)))
    assert "66.7%" in check.actual and "6/9" in check.actual and "≥ 2/3" in check.required
    (check,) = checks("households_60", tally(case(100, 70, 60)))
    assert "60.0%" in check.actual and "60/100" in check.actual and "≥ 60%" in check.required
    quorum, threshold = checks("party_members_meeting", tally(case(10, 6, 4)))
    assert "≥ 1/2" in quorum.required and "60.0%" in quorum.actual and "6/10" in quorum.actual
    assert "> 1/2" in threshold.required and "40.0%" in threshold.actual and "4/10" in threshold.actual
    quorum, _ = checks("villagers_meeting", tally(case(100, 50, 26, eh=30, ph=20)))
    assert "> 1/2" in quorum.required and "≥ 2/3" in quorum.required
    assert "50.0%" in quorum.actual and "66.7%" in quorum.actual
    area, owners, _, _ = checks("owners_ordinary", tally(case(9, 6, 4, ea="300", pa="200", ya="150")))
    assert "66.7%" in area.actual and "200" in area.actual and "300" in area.actual
    assert "66.7%" in owners.actual and "6/9" in owners.actual


def test_the_worked_example_of_the_issue():
    """"参与表决面积 68.2% ≥ 2/3 ✓ … 同意人数 71.0% ≥ 3/4 ✗" (owners, a major matter)."""
    values = case(120, 100, 71, ea="1000.00", pa="682.00", ya="600.00")
    area, owners, yes_area, yes_owners = checks("owners_major", tally(values))
    assert (area.met, "68.2%" in area.actual, area.required) == (True, True, "≥ 2/3")
    assert owners.met and "83.3%" in owners.actual
    assert yes_area.met and "88.0%" in yes_area.actual and yes_area.required == "≥ 3/4"
    assert (yes_owners.met, "71.0%" in yes_owners.actual, yes_owners.required) == (False, True, "≥ 3/4")
    assert passed("owners_major", tally(values)) is False
    assert passed("owners_ordinary", tally(values)) is True
    assert_agrees("owners_major", values)
