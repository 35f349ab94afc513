"""The rules that decide a vote or a meeting, as the law writes them (docs/deliberation.md).

Each rule is a list of checks: a quorum (who took part, against whom) and a threshold (how many
agreed, against what). Arithmetic is exact (integers and ``Fraction``): "以上" (at least) includes
the number, "过半数" and "超过" (more than) do not. A check whose denominator is zero is not met (an
empty roll or an empty meeting decides nothing).

- 简单多数 (simple_majority): yes > 1/2 of those who took part.
- 三分之二 (two_thirds): yes ≥ 2/3 of those who took part.
- 百分之六十住户 (households_60): yes ≥ 60% of ALL households in scope (not of voters).
- 业主大会 (民法典 art. 278): owners taking part hold ≥ 2/3 of the exclusive floor area and are ≥ 2/3
  of the owners; ordinary matters: yes > 1/2 of the participating area and > 1/2 of the participating
  owners; major matters (维修资金, 改建重建, 改变共有部分用途): ≥ 3/4 of each.
- 居民会议 (居委会组织法 art. 12): present > 1/2 of the electorate; yes > 1/2 of those present.
- 村民会议 (村委会组织法 art. 22): present > 1/2 of villagers aged 18+, or the representatives of ≥ 2/3
  of the households; yes > 1/2 of those present.
- 村民代表会议 (art. 26): present ≥ 2/3 of the members; yes > 1/2 of those present.
- 党员大会 (支部工作条例 art. 11): present ≥ 1/2 of the voting members; yes > 1/2 of the members who
  should attend (应到), not of those present.
- Several choices: the option with most votes is "yes"; a tie at the top decides nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

HALF = Fraction(1, 2)
TWO_THIRDS = Fraction(2, 3)
THREE_QUARTERS = Fraction(3, 4)
SIXTY_PERCENT = Fraction(3, 5)

RULES = ("simple_majority", "two_thirds", "households_60", "owners_ordinary", "owners_major",
         "residents_meeting", "villagers_meeting", "representatives_meeting", "party_members_meeting")


@dataclass(frozen=True)
class Tally:
    """The numbers a rule reads. ``eligible``/``participants``/``yes`` count persons, households,
    members or owners as the electorate says; the household and area figures are read only by the
    rules that need them (村民会议, 业主大会)."""

    eligible: int
    participants: int
    yes: int
    eligible_households: int = 0
    participant_households: int = 0
    eligible_area: Fraction = Fraction(0)
    participant_area: Fraction = Fraction(0)
    yes_area: Fraction = Fraction(0)
    tie: bool = False


@dataclass(frozen=True)
class Check:
    name: str
    required: str
    actual: str
    met: bool
    numerator: str = ""
    denominator: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("extra")
        return data


def _fraction(value) -> Fraction:
    if isinstance(value, Decimal):
        return Fraction(value)
    return Fraction(value)


def _number(value) -> str:
    value = _fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}"


def percent(numerator, denominator) -> str:
    if not denominator:
        return "—"
    share = Fraction(numerator) / Fraction(denominator) * 100
    return f"{float(share):.1f}%"


def _at_least(share: Fraction, numerator, denominator) -> bool:
    return bool(denominator) and Fraction(numerator) >= share * Fraction(denominator)


def _more_than(share: Fraction, numerator, denominator) -> bool:
    return bool(denominator) and Fraction(numerator) > share * Fraction(denominator)


_SHARE_TEXT = {HALF: "1/2", TWO_THIRDS: "2/3", THREE_QUARTERS: "3/4", SIXTY_PERCENT: "60%"}


def _check(name: str, numerator, denominator, share: Fraction, *, strict: bool, unit: str = "") -> Check:
    met = (_more_than if strict else _at_least)(share, _fraction(numerator), _fraction(denominator))
    sign = ">" if strict else "≥"
    shown = f"{_number(numerator)}/{_number(denominator)}{unit}"
    return Check(name=name, required=f"{sign} {_SHARE_TEXT[share]}",
                 actual=f"{percent(_fraction(numerator), _fraction(denominator))}（{shown}）", met=met,
                 numerator=_number(numerator), denominator=_number(denominator))


def _unique_top(tally: Tally) -> list[Check]:
    if not tally.tie:
        return []
    return [Check(name=_("得票最多的选项唯一"), required=_("无并列"), actual=_("最高票并列"), met=False)]


def checks(rule: str, tally: Tally) -> list[Check]:
    """The checks of ``rule`` on ``tally``, in the order the law states them."""
    t = tally
    people = _("人")
    if rule == "simple_majority":
        found = [_check(_("同意票占参与表决"), t.yes, t.participants, HALF, strict=True, unit=people)]
    elif rule == "two_thirds":
        found = [_check(_("同意票占参与表决"), t.yes, t.participants, TWO_THIRDS, strict=False, unit=people)]
    elif rule == "households_60":
        found = [_check(_("同意户数占全体住户"), t.yes, t.eligible, SIXTY_PERCENT, strict=False, unit=_("户"))]
    elif rule in ("owners_ordinary", "owners_major"):
        area = _("平方米")
        found = [
            _check(_("参与表决专有部分面积"), t.participant_area, t.eligible_area, TWO_THIRDS, strict=False, unit=area),
            _check(_("参与表决业主人数"), t.participants, t.eligible, TWO_THIRDS, strict=False, unit=people),
        ]
        share, strict = (THREE_QUARTERS, False) if rule == "owners_major" else (HALF, True)
        found += [
            _check(_("同意面积占参与表决面积"), t.yes_area, t.participant_area, share, strict=strict, unit=area),
            _check(_("同意人数占参与表决人数"), t.yes, t.participants, share, strict=strict, unit=people),
        ]
    elif rule == "residents_meeting":
        found = [_check(_("到会人数占应到"), t.participants, t.eligible, HALF, strict=True, unit=people),
                 _check(_("同意人数占到会人数"), t.yes, t.participants, HALF, strict=True, unit=people)]
    elif rule == "villagers_meeting":
        by_people = _more_than(HALF, t.participants, t.eligible)
        by_households = _at_least(TWO_THIRDS, t.participant_households, t.eligible_households)
        found = [
            Check(name=_("到会：年满十八周岁村民过半数，或三分之二以上户的代表"),
                  required=_("> 1/2 人，或 ≥ 2/3 户"),
                  actual=_("%(people)s（%(p)s/%(pe)s 人）；%(households)s（%(h)s/%(he)s 户）") % {
                      "people": percent(t.participants, t.eligible), "p": t.participants, "pe": t.eligible,
                      "households": percent(t.participant_households, t.eligible_households),
                      "h": t.participant_households, "he": t.eligible_households},
                  met=by_people or by_households,
                  numerator=str(t.participants), denominator=str(t.eligible)),
            _check(_("同意人数占到会人数"), t.yes, t.participants, HALF, strict=True, unit=people),
        ]
    elif rule == "representatives_meeting":
        found = [_check(_("到会代表占应到"), t.participants, t.eligible, TWO_THIRDS, strict=False, unit=people),
                 _check(_("同意人数占到会人数"), t.yes, t.participants, HALF, strict=True, unit=people)]
    elif rule == "party_members_meeting":
        found = [_check(_("到会党员占应到"), t.participants, t.eligible, HALF, strict=False, unit=people),
                 _check(_("同意票占应到会党员"), t.yes, t.eligible, HALF, strict=True, unit=people)]
    else:
        raise ValueError(f"unknown rule {rule!r}")
    return found + _unique_top(tally)


def passed(rule: str, tally: Tally) -> bool:
    return all(check.met for check in checks(rule, tally))


def summary(found: list[Check]) -> str:
    """"参与表决面积 68.2% ≥ 2/3 ✓ … 同意人数 71.0% ≥ 3/4 ✗"."""
    return "；".join(f"{c.name} {c.actual} {c.required} {'✓' if c.met else '✗'}" for c in found)
