"""What the app ships with: the 六议六不议 catalogue in the wording of 铜陵's 《城乡社区协商事项目录》
practice, and the fixed member kinds of each body ("7" of 7+X; the four of 四位一体).

The seeds name the catalogue but do not print it; the lines below follow the commonly published
Anhui wording. Districts edit them on /deliberation/catalogue/ (perm ``deliberation.configure``).
"""

MAY = (
    "涉及居（村）民切身利益的公共事务、公益事业",
    "居（村）民反映强烈、迫切要求解决的实际困难和矛盾纠纷",
    "党和政府的方针政策、重点工作在社区（村）的落实事项",
    "法律法规和政策明确要求协商的事项",
    "各类协商主体提出的协商需求",
    "社区（村）公共设施建设、环境整治、物业服务等需要共同决定的事项",
)

MAY_NOT = (
    "违反党的路线方针政策的事项",
    "违反法律法规的事项",
    "涉及国家秘密、商业秘密和个人隐私的事项",
    "已经依法作出决定或正在司法程序中的事项",
    "超出社区（村）职责范围、应由政府部门依法处理的事项",
    "涉及宗教事务及其他不宜公开协商的事项",
)

# body kind → its fixed member kinds, in order.
MEMBER_KINDS = {
    "committee": ("党组织代表", "居（村）民委员会代表", "居（村）务监督委员会代表", "业主委员会代表",
                  "物业服务企业代表", "驻区单位代表", "居（村）民代表"),
    "property_council": ("居民委员会", "业主委员会", "物业服务企业", "驻区单位"),
    "grid_council": ("网格长", "网格员", "楼栋长", "居民代表"),
    "building_council": ("楼栋长", "单元长", "居民代表"),
    "two_committees": ("党组织委员", "居（村）民委员会委员"),
}
