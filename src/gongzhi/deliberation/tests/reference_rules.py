"""A reference computation of the voting and meeting rules, written from the law alone (issue 13).

This module is deliberately independent of ``gongzhi.deliberation.rules``: it imports nothing from
it, it was written from DOMAIN.md ("Meeting and vote thresholds, as the law writes them") and the
text of issue 13 item 4 without reading the implementation, and it uses a different technique —
every comparison "part / whole against a share p/q" is decided by integer cross-multiplication,
never by dividing (no ``Fraction`` arithmetic, no floats). Areas may be given as ``int``,
``Decimal`` or ``Fraction``; each is turned into an exact integer pair (numerator, denominator).

The two words the law uses:

* "以上" (at least) includes the number itself: ``part / whole >= p / q``;
* "过半数", "超过" (more than) do not: ``part / whole > p / q``.

A comparison whose whole is zero is not met: an empty roll or an empty meeting decides nothing.
With several choices, a tie at the top means nothing passes.

The rules (names of the fixed API, issue 13):

============================ ================================================ ==================================
rule                          quorum (who took part, against whom)             threshold (who agreed, against what)
============================ ================================================ ==================================
simple_majority               —                                                yes > 1/2 of those who took part
two_thirds                    —                                                yes ≥ 2/3 of those who took part
households_60                 —                                                yes ≥ 60% of ALL households in scope
owners_ordinary (民法典 278)   area ≥ 2/3 of exclusive area, owners ≥ 2/3       yes > 1/2 of participating area
                                                                               and > 1/2 of participating owners
owners_major (民法典 278)      same                                             ≥ 3/4 of each
residents_meeting (居委会法 12) present > 1/2 of the electorate                 yes > 1/2 of those present
villagers_meeting (村委会法 22) present > 1/2 of adults OR households present   yes > 1/2 of those present
                              ≥ 2/3 of households
representatives_meeting (26)  present ≥ 2/3 of the members                     yes > 1/2 of those present
party_members_meeting (条例11) present ≥ 1/2 of the voting members             yes > 1/2 of those who SHOULD
                                                                               attend (应到), not of those present
============================ ================================================ ==================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

RULE_NAMES = (
    "simple_majority",
    "two_thirds",
    "households_60",
    "owners_ordinary",
    "owners_major",
    "residents_meeting",
    "villagers_meeting",
    "representatives_meeting",
    "party_members_meeting",
)

# The shares as integer pairs (p, q) and whether the law says "more than" (strict) or "at least".
HALF = (1, 2)
TWO_THIRDS = (2, 3)
THREE_QUARTERS = (3, 4)
SIXTY_PERCENT = (60, 100)

MORE_THAN = True  # 过半数 / 超过
AT_LEAST = False  # 以上


def exact_pair(value: int | Decimal | Fraction) -> tuple[int, int]:
    """``value`` as (numerator, denominator) integers, denominator > 0; refuses floats and bools."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"the reference takes exact numbers only, not {value!r}")
    if isinstance(value, int):
        return value, 1
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        sign, digits, exponent = value.as_tuple()
        mantissa = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        if exponent >= 0:
            return mantissa * 10**exponent, 1
        return mantissa, 10**-exponent
    if isinstance(value, Fraction):
        return value.numerator, value.denominator
    raise TypeError(f"unsupported number {value!r}")


def compare(part, whole, share: tuple[int, int], strict: bool) -> bool:
    """``part / whole > share`` (strict) or ``>= share``, by integer cross-multiplication.

    part = a/b, whole = c/d, share = p/q (b, d, q > 0):  a/b ÷ c/d  ?  p/q   ⇔   a·d·q  ?  p·b·c
    (c > 0). A whole of zero is never met.
    """
    a, b = exact_pair(part)
    c, d = exact_pair(whole)
    p, q = share
    if a < 0 or c < 0:
        raise ValueError("counts and areas cannot be negative")
    if c == 0:
        return False
    left, right = a * d * q, p * b * c
    return left > right if strict else left >= right


def label(share: tuple[int, int], strict: bool) -> str:
    """How the result pages write a requirement: "> 1/2", "≥ 2/3", "≥ 60%"."""
    p, q = share
    text = f"{p}%" if q == 100 else f"{p}/{q}"
    return ("> " if strict else "≥ ") + text


@dataclass(frozen=True)
class Part:
    """One comparison: ``part / whole`` against ``share``."""

    part: object
    whole: object
    share: tuple[int, int]
    strict: bool

    @property
    def met(self) -> bool:
        return compare(self.part, self.whole, self.share, self.strict)

    @property
    def label(self) -> str:
        return label(self.share, self.strict)


@dataclass(frozen=True)
class RefCheck:
    """A check of a rule: ``kind`` is "quorum", "threshold" or "tie"; met when ANY of its parts is."""

    kind: str
    parts: tuple[Part, ...] = ()
    tie_free: bool = True

    @property
    def met(self) -> bool:
        if self.kind == "tie":
            return self.tie_free
        return any(part.met for part in self.parts)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(part.label for part in self.parts)


@dataclass(frozen=True)
class RefResult:
    rule: str
    checks: tuple[RefCheck, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(check.met for check in self.checks)

    def _all(self, kind: str) -> bool | None:
        relevant = [check.met for check in self.checks if check.kind == kind]
        return all(relevant) if relevant else None

    @property
    def quorum(self) -> bool | None:
        """Whether every quorum check is met; None when the rule has no quorum."""
        return self._all("quorum")

    @property
    def threshold(self) -> bool | None:
        return self._all("threshold")

    @property
    def failed(self) -> int:
        return sum(1 for check in self.checks if not check.met)


def reference(
    rule: str,
    *,
    eligible: int,
    participants: int,
    yes: int,
    eligible_households: int = 0,
    participant_households: int = 0,
    eligible_area: int | Decimal | Fraction = 0,
    participant_area: int | Decimal | Fraction = 0,
    yes_area: int | Decimal | Fraction = 0,
    tie: bool = False,
) -> RefResult:
    """The checks of ``rule`` in the order the law states them: quorum first, then threshold.

    ``eligible``/``participants``/``yes`` count persons, households, members or owners as the
    electorate says (for households_60 they count households: ``eligible`` is every household in
    scope). With several choices the most-voted option is "yes", and ``tie`` says the top was
    shared, which adds a failing check: nothing passes.
    """

    def quorum(*parts: Part) -> RefCheck:
        return RefCheck("quorum", parts)

    def threshold(*parts: Part) -> RefCheck:
        return RefCheck("threshold", parts)

    if rule == "simple_majority":
        checks = [threshold(Part(yes, participants, HALF, MORE_THAN))]
    elif rule == "two_thirds":
        checks = [threshold(Part(yes, participants, TWO_THIRDS, AT_LEAST))]
    elif rule == "households_60":
        # Counted against every household in scope, not against the households that voted.
        checks = [threshold(Part(yes, eligible, SIXTY_PERCENT, AT_LEAST))]
    elif rule in ("owners_ordinary", "owners_major"):
        share, strict = (HALF, MORE_THAN) if rule == "owners_ordinary" else (THREE_QUARTERS, AT_LEAST)
        checks = [
            quorum(Part(participant_area, eligible_area, TWO_THIRDS, AT_LEAST)),
            quorum(Part(participants, eligible, TWO_THIRDS, AT_LEAST)),
            threshold(Part(yes_area, participant_area, share, strict)),
            threshold(Part(yes, participants, share, strict)),
        ]
    elif rule == "residents_meeting":
        checks = [
            quorum(Part(participants, eligible, HALF, MORE_THAN)),
            threshold(Part(yes, participants, HALF, MORE_THAN)),
        ]
    elif rule == "villagers_meeting":
        checks = [
            quorum(
                Part(participants, eligible, HALF, MORE_THAN),
                Part(participant_households, eligible_households, TWO_THIRDS, AT_LEAST),
            ),
            threshold(Part(yes, participants, HALF, MORE_THAN)),
        ]
    elif rule == "representatives_meeting":
        checks = [
            quorum(Part(participants, eligible, TWO_THIRDS, AT_LEAST)),
            threshold(Part(yes, participants, HALF, MORE_THAN)),
        ]
    elif rule == "party_members_meeting":
        checks = [
            quorum(Part(participants, eligible, HALF, AT_LEAST)),
            # Against the members who should attend (应到), not those present.
            threshold(Part(yes, eligible, HALF, MORE_THAN)),
        ]
    else:
        raise ValueError(f"unknown rule {rule!r}")
    if tie:
        checks.append(RefCheck("tie", tie_free=False))
    return RefResult(rule, tuple(checks))
