"""The header menu is grouped (issue 12 item 18): links of their own, drop-downs built from the
groups the apps declare, 通知 pinned with its count."""

from __future__ import annotations

import pytest

from gongzhi.core.navigation import menu_for


def _shape(menu) -> list[str]:
    return [f"{s['key'] or 'link'}:{'/'.join(str(i['label']) for i in s['items'])}" for s in menu["sections"]]


@pytest.mark.parametrize(("username", "shape"), [
    ("grid", ["link:我的", "cases:随手拍/我的任务/离线工作台/巡查走访", "link:公告栏",
              "records:入户走访/人口档案/房屋/人员导入/区划与网格/网格地图", "link:人口统计"]),
    ("community", ["link:工作台", "cases:事件办理/事件地图",
                   "participation:议题/议事机构/议事会议/表决/居务公开/居财居管/小微权力/物业考评/逾期落实任务/四议两公开",
                   "services:服务事项/服务申请/证明登记簿/准入清单/公告",
                   "records:人口档案/房屋/人员导入/窗口核验/区划与网格/网格地图", "stats:事件统计/定期通报/人口统计"]),
    ("district", ["link:工作台", "cases:事件办理/督办台/事件地图",
                  "participation:议题/议事机构/议事会议/表决/居务公开/居财居管/小微权力/物业考评/逾期落实任务/四议两公开",
                  "services:服务事项/服务申请/证明登记簿/准入清单/公告",
                  "records:人口档案/房屋/区划与网格/网格地图", "stats:事件统计/定期通报/人口统计",
                  "admin:事件配置/小微权力清单配置/物业考评表配置/区划导入/底图图层/协商事项目录"]),
    ("auditor", ["link:审计日志"]),  # alone in its group: a link, no drop-down
    ("resident", ["link:我的", "cases:随手拍/我的上报", "participation:议题/表决/公开栏/物业评价",
                  "services:服务事项/我的申请/公告栏"]),
])
def test_each_role_gets_its_entries_grouped(demo, username, shape):
    menu = menu_for(demo.users[username], "/")
    assert _shape(menu) == shape
    assert [str(item["label"]) for item in menu["pinned"]] == ["通知"]


def test_the_active_entry_marks_its_group(demo):
    menu = menu_for(demo.users["community"], "/registry/houses/")
    active = [s for s in menu["sections"] if s["active"]]
    assert [s["key"] for s in active] == ["records"]
    assert [str(i["label"]) for i in active[0]["items"] if i["active"]] == ["房屋"]


def test_the_header_keeps_notices_apart_and_every_link_without_script(demo, login_as):
    from gongzhi.notices.services import send_notice

    send_notice(recipients=[demo.users["community"]], title="通知一")
    page = login_as("community").get("/console/").content.decode()
    pinned = page.split('<div class="pinned">', 1)[1].split("</div>", 1)[0]
    assert 'href="/notices/"' in pinned and 'data-testid="unread-count">1<' in pinned
    nav = page.split('id="mainnav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/notices/"' not in nav
    assert 'aria-expanded="false" aria-controls="menu-records"' in nav and " hidden" not in nav
    assert 'href="/registry/houses/"' in nav and 'data-menu-toggle aria-expanded="false" aria-controls="mainnav"' in page


def test_group_labels_in_english(demo, login_as):
    page = login_as("district").get("/console/?lang=en").content.decode()
    for label in ("Cases", "Records", "Statistics", "Admin", "Menu"):
        assert f">{label}<" in page, label


def test_elder_mode_reads_plain_words(demo):
    """长辈模式 (适老化 plain wording): the resident's menu in everyday words, the same links."""
    resident = demo.users["resident"]
    usual = menu_for(resident, "/")
    resident.elder_mode = True
    plain = menu_for(resident, "/")
    assert [f"{s['label']}:{'/'.join(str(i['label']) for i in s['items'])}" for s in plain["sections"]] == [
        "我的:我的", "反映问题:拍照反映问题/我反映过的问题", "社区大家事:大家商量的事/投票/社区公开的事/给物业打分",
        "办事:可以办的事/我办的事/社区公告"]
    assert [i["url"] for s in plain["sections"] for i in s["items"]] == [
        i["url"] for s in usual["sections"] for i in s["items"]]
