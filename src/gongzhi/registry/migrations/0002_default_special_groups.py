"""The default special groups (特殊人群). Configuration shipped as data: administrators edit it later.

The list is frozen here as it was shipped; the migration only adds groups whose code is not
there yet, so re-running it never overwrites an administrator's changes.
"""

from django.db import migrations

DEFAULT_GROUPS = [
    {
        "code": "living_alone_elderly", "name": "独居老人", "description": "60 周岁以上、独自居住的老人",
        "attribute_schema": [
            {"key": "emergency_contact", "label": "紧急联系人", "type": "text"},
            {"key": "visit_frequency", "label": "探访频次", "type": "choice", "choices": ["每日", "每周", "每月"]},
        ],
    },
    {
        "code": "oldest_old", "name": "高龄老人", "description": "80 周岁以上的老人",
        "attribute_schema": [
            {"key": "longevity_allowance", "label": "领取高龄津贴", "type": "boolean"},
        ],
    },
    {
        "code": "disabled", "name": "残疾人", "description": "持有残疾人证的人员",
        "attribute_schema": [
            {"key": "disability_type", "label": "残疾类别", "type": "choice", "required": True,
             "choices": ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]},
            {"key": "grade", "label": "残疾等级", "type": "choice", "required": True,
             "choices": ["一级", "二级", "三级", "四级"]},
            {"key": "certificate_number", "label": "残疾人证号", "type": "text"},
        ],
    },
    {
        "code": "subsistence", "name": "低保/特困", "description": "最低生活保障对象和特困供养人员",
        "attribute_schema": [
            {"key": "category", "label": "类别", "type": "choice", "required": True, "choices": ["低保", "特困"]},
            {"key": "monthly_amount", "label": "月保障金额（元）", "type": "integer"},
        ],
    },
    {
        "code": "left_behind_child", "name": "留守儿童", "description": "父母外出务工的未成年人",
        "attribute_schema": [
            {"key": "guardian", "label": "监护人", "type": "text"},
            {"key": "guardian_relation", "label": "监护人关系", "type": "text"},
            {"key": "parents_workplace", "label": "父母务工地", "type": "text"},
        ],
    },
    {
        "code": "veteran", "name": "退役军人", "description": "退出现役的军人",
        "attribute_schema": [
            {"key": "discharge_date", "label": "退役时间", "type": "date"},
            {"key": "entitled_group", "label": "重点优抚对象", "type": "boolean"},
        ],
    },
    {
        "code": "correction_released", "name": "社区矫正/刑释人员", "description": "社区矫正对象和刑满释放人员",
        "attribute_schema": [
            {"key": "category", "label": "类别", "type": "choice", "required": True,
             "choices": ["社区矫正对象", "刑满释放人员"]},
            {"key": "period_end", "label": "矫正期满/释放日期", "type": "date"},
        ],
    },
    {
        "code": "mental_disorder", "name": "精神障碍", "description": "严重精神障碍患者",
        "attribute_schema": [
            {"key": "risk_level", "label": "风险等级", "type": "choice",
             "choices": ["0级", "1级", "2级", "3级", "4级", "5级"]},
            {"key": "guardian", "label": "监护人", "type": "text"},
        ],
    },
    {
        "code": "unemployed", "name": "失业人员", "description": "有劳动能力和就业要求的失业人员",
        "attribute_schema": [
            {"key": "registered", "label": "已办理失业登记", "type": "boolean"},
            {"key": "skills", "label": "技能特长", "type": "text"},
        ],
    },
]


def add_default_groups(apps, schema_editor):
    SpecialGroup = apps.get_model("registry", "SpecialGroup")
    existing = set(SpecialGroup.objects.values_list("code", flat=True))
    SpecialGroup.objects.bulk_create(
        SpecialGroup(order=position * 10, **group)
        for position, group in enumerate(DEFAULT_GROUPS, start=1)
        if group["code"] not in existing
    )


def remove_default_groups(apps, schema_editor):
    SpecialGroup = apps.get_model("registry", "SpecialGroup")
    SpecialGroup.objects.filter(code__in=[g["code"] for g in DEFAULT_GROUPS], tags__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(add_default_groups, remove_default_groups)]
