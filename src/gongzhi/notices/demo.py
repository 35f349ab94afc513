"""Announcements in the demo: 幸福社区 tells its residents about winter fire safety (the demo resident
among them has not read it yet), and 东城街道 calls its grid workers to a meeting."""

from __future__ import annotations

from gongzhi.areas.models import Area

from . import announcements
from .models import Announcement

COMMUNITY_SUFFIX = "001001"
STREET_SUFFIX = "001"


def build(district: Area, progress=print) -> bool:
    from gongzhi.accounts.models import User

    community = Area.objects.filter(code=district.code + COMMUNITY_SUFFIX).first()
    street = Area.objects.filter(code=district.code + STREET_SUFFIX).first()
    staff = {u.username: u for u in User.objects.filter(username__in=["community", "street"])}
    if community is None or street is None or len(staff) < 2:
        return False
    if Announcement.objects.filter(area__path__startswith=street.path).exists():
        return False
    fire = announcements.save(actor=staff["community"], announcement=Announcement(
        title="冬季消防安全提示", area=community, urgent=True,
        body="天气干燥，请勿在楼道堆放杂物、私拉电线为电动车充电；家中有独居老人的，请邻里多关照。\n"
             "如发现火情，请立即拨打 119，并告知社区（电话 0566-2000001）。"))
    announcements.publish(actor=staff["community"], announcement=fire)
    meeting = announcements.save(actor=staff["street"], announcement=Announcement(
        title="网格员工作例会", area=street, audience="grid_workers",
        body="本周五下午 2 点在街道三楼会议室召开网格员例会，请带好本月走访台账。"))
    announcements.publish(actor=staff["street"], announcement=meeting)
    progress(f"公告 2 条（{fire.receipts.count()} 位居民、{meeting.receipts.count()} 位网格员） / 2 announcements")
    return True
