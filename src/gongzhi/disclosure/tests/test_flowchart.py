"""The flow chart: valid SVG (parsed as XML), one box per step, hostile text escaped, accessible."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from gongzhi.disclosure import flowchart
from gongzhi.disclosure.flowchart import Step

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def test_one_box_per_step_and_an_arrow_between_each_pair():
    steps = [Step("居民提出申请", "申请人"), Step("受理登记", "村（居）委会"), Step("入户调查核实"), Step("张榜公示7天")]
    root = parse(flowchart.render(steps, chart_id="flow-1", name="低保初审"))
    assert root.tag == f"{SVG}svg"
    boxes = root.findall(f".//{SVG}rect[@class='flow-box']")
    assert len(boxes) == 4
    assert len(root.findall(f".//{SVG}line[@class='flow-arrow']")) == 3
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "1. 居民提出申请" in texts and "4. 张榜公示7天" in texts and "村（居）委会" in texts
    # Boxes go down the page without overlapping.
    tops = [float(b.get("y")) for b in boxes]
    bottoms = [float(b.get("y")) + float(b.get("height")) for b in boxes]
    assert all(bottoms[i] < tops[i + 1] for i in range(3))
    assert float(root.get("viewBox").split()[3]) >= bottoms[-1]


def test_accessible_title_description_and_role():
    root = parse(flowchart.render([Step("申请"), Step("审核")], chart_id="flow-9", name="出具证明"))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "flow-9-title flow-9-desc"
    assert root.find(f"{SVG}title").get("id") == "flow-9-title"
    assert root.find(f"{SVG}title").text == "“出具证明”办理流程图"
    assert "申请 → 审核" in root.find(f"{SVG}desc").text


def test_hostile_text_is_escaped():
    hostile = '<script>alert("x")</script>&amp; ]]> "quoted" \'single\''
    svg = str(flowchart.render([Step(hostile, "<b>x</b>")], chart_id='x"><script>', name="</title><script>"))
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)  # still well-formed XML
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "<script>" in texts  # shown as text, not markup
    assert root.find(f"{SVG}title").text == "“</title><script>”办理流程图"
    assert root.get("aria-labelledby") == "xscript-title xscript-desc"


def test_long_chinese_text_wraps_inside_the_box():
    long_title = "村民会议或村民代表会议讨论决定并形成书面决议后报乡镇人民政府备案" * 2
    root = parse(flowchart.render([Step(long_title, "村民委员会、村务监督委员会")], chart_id="f", name="n"))
    lines = [t.text for t in root.iter(f"{SVG}text")]
    assert len(lines) >= 4
    inner = flowchart.BOX_W - 2 * flowchart.PAD_X
    for line in lines:
        assert sum(flowchart.char_width(c, flowchart.TITLE_SIZE) for c in line) <= inner
    assert "".join(lines).replace("1. ", "", 1).startswith(long_title[:20])
    box = root.find(f".//{SVG}rect[@class='flow-box']")
    assert float(box.get("height")) >= len(lines) * flowchart.ACTOR_LINE


def test_no_steps_still_valid():
    root = parse(flowchart.render([], chart_id="f", name="空"))
    assert root.findall(f".//{SVG}rect") == []
    assert "尚未设置" in root.find(f"{SVG}desc").text
