"""Demo data for implementation and evaluation (民事民办, 民事民评) and for 四议两公开.

``build_follow_up``: in 幸福社区, a decided topic being carried out (two tasks: one done, one in
progress) and a finished one with the demo resident's evaluation (the survey opens only once every
task is done, so the evaluation needs a topic of its own). ``build_villages``: in 青山村, one
process taken through all six steps and one stopped at a 党员大会 that missed its quorum. Both go
through the services (rules checked, audit written) and are kept when they exist.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area

from . import follow_up, villages
from .models import FourTwoStep, Topic, TopicStatus, VillageProcess

COMMUNITY_SUFFIX = "001001"  # 幸福社区 within the district code
VILLAGE_SUFFIX = "101201"  # 青山村
IMPLEMENTING_TITLE = "幸福社区3号楼楼道加装声控照明"
DONE_TITLE = "幸福社区健身角更换破损器材"
COMPLETED_TITLE = "青山村二组至三组村道硬化"
STOPPED_TITLE = "青山村村部东侧文化广场建设"


def _decided_topic(community: Area, title: str, description: str, opinion: str, staff, resident, days_ago: int):
    at = timezone.now() - datetime.timedelta(days=days_ago)
    topic = Topic.objects.create(area=community, title=title, description=description, status=TopicStatus.DECIDED,
                                 proposed_by=resident, screened_by=staff, screened_at=at, opinion=opinion)
    Topic.objects.filter(pk=topic.pk).update(created_at=at - datetime.timedelta(days=3))
    topic.refresh_from_db()
    return topic


def build_follow_up(ctx) -> None:
    community = Area.objects.filter(code=f"{ctx.root.code}{COMMUNITY_SUFFIX}").first()
    staff = User.objects.filter(username="community").first()
    resident = User.objects.filter(username="resident").first()
    if community is None or staff is None or Topic.objects.filter(area=community, title=IMPLEMENTING_TITLE).exists():
        return
    today = timezone.localdate()
    topic = _decided_topic(community, IMPLEMENTING_TITLE, "3号楼楼道夜间无照明，老人上下楼不便。",
                           "由社区出资为3号楼各层加装声控灯，物业负责日常维护。", staff, resident, 20)
    lamps = follow_up.create_task(actor=staff, topic=topic, title="采购声控灯具", owner_unit="幸福社区居委会",
                                  deadline=today - datetime.timedelta(days=5), owner=staff)
    fitting = follow_up.create_task(actor=staff, topic=topic, title="安装并调试声控灯", owner_unit="物业服务中心",
                                    deadline=today + datetime.timedelta(days=10))
    follow_up.add_update(actor=staff, task=lamps, text="已按询价结果采购声控灯 24 套。", percent=100)
    follow_up.add_update(actor=staff, task=fitting, text="1至3层已安装完毕，4至6层本周内完成。", percent=50)

    done = _decided_topic(community, DONE_TITLE, "小区健身角两台器材破损，存在安全隐患。",
                          "拆除破损器材，由驻区单位捐赠更换新器材。", staff, resident, 45)
    task = follow_up.create_task(actor=staff, topic=done, title="拆除并更换健身器材", owner_unit="幸福社区居委会",
                                 deadline=today - datetime.timedelta(days=10), owner=staff)
    follow_up.add_update(actor=staff, task=task, text="破损器材已拆除，新器材已安装并验收。", percent=100)
    done.refresh_from_db()
    if resident is not None and follow_up.eligible_to_evaluate(resident, done):
        follow_up.evaluate(actor=resident, topic=done, rating=5, comment="新器材很好用，谢谢社区。")
    ctx.write("协商落实示例已生成 / follow-up examples built")


def _hold(actor, process, step, held_on, **fields):
    fields.setdefault("signed_by", "村党支部书记、村委会主任")
    return villages.record_step(actor=actor, process=process, step=step, held_on=held_on, **fields)


def build_villages(ctx) -> None:
    village = Area.objects.filter(code=f"{ctx.root.code}{VILLAGE_SUFFIX}").first()
    staff = User.objects.filter(username="village").first()
    if village is None or staff is None or VillageProcess.objects.filter(area=village, title=COMPLETED_TITLE).exists():
        return
    today = timezone.localdate()
    day = lambda n: today - datetime.timedelta(days=n)  # noqa: E731
    members, _none = villages.registry_defaults(village, FourTwoStep.REVIEW)
    if members and members >= 10:  # the registry's 正式党员 (应到 left blank: the registry's number)
        party = {"expected": None}
        expected = members
    else:
        expected = 30
        party = {"expected": expected, "expected_reason": "按村党支部党员名册"}
    quorum = expected // 2 + 1

    done = villages.start_process(actor=staff, village=village, title=COMPLETED_TITLE,
                                  matter="硬化二组至三组村道 1.2 公里，宽 4.5 米，村集体经济出资约 30 万元。")
    _hold(staff, done, FourTwoStep.PROPOSAL, day(60), expected=5, present=5, yes=5, expected_reason="村党支部委员 5 人",
          minutes="支委会研究提出村道硬化方案。")
    _hold(staff, done, FourTwoStep.CONSULTATION, day(57), expected=9, present=8, yes=8,
          expected_reason="两委委员 9 人（交叉任职已去重）", minutes="两委联席会议商议方案和资金来源。")
    _hold(staff, done, FourTwoStep.REVIEW, day(52), present=quorum + 2, yes=quorum + 1, no=1, **party)
    _hold(staff, done, FourTwoStep.RESOLUTION, day(45), meeting="representatives", expected=45, present=38, yes=35,
          no=2, abstain=1, expected_reason="村民代表 45 人（村民代表名册）")
    _hold(staff, done, FourTwoStep.RESOLUTION_DISCLOSURE, day(44), published_where="村务公开栏、村微信群",
          published_text="经村民代表会议表决通过：硬化二组至三组村道 1.2 公里，村集体出资约 30 万元。")
    _hold(staff, done, FourTwoStep.RESULT_DISCLOSURE, day(5), published_where="村务公开栏",
          published_text="村道硬化已完工并通过镇验收，实际支出 28.6 万元，明细见财务公开。")

    stopped = villages.start_process(actor=staff, village=village, title=STOPPED_TITLE,
                                     matter="在村部东侧空地建设文化广场，面积约 1500 平方米。")
    _hold(staff, stopped, FourTwoStep.PROPOSAL, day(12), expected=5, present=5, yes=5, expected_reason="村党支部委员 5 人")
    _hold(staff, stopped, FourTwoStep.CONSULTATION, day(10), expected=9, present=9, yes=8, no=1,
          expected_reason="两委委员 9 人（交叉任职已去重）")
    _hold(staff, stopped, FourTwoStep.REVIEW, day(3), present=quorum - 2, yes=quorum - 2, **party,
          minutes="农忙时节到会党员不足，会议未达到法定人数。")
    ctx.write("四议两公开示例已生成 / 四议两公开 examples built")
