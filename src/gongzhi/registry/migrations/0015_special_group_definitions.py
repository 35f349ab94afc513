"""留守儿童 as 国发〔2016〕13号 defines it, and the groups 困境儿童, 留守老人 and 留守妇女 (see 0013).

Its own migration, apart from the fields it fills (0013): on PostgreSQL a table cannot be altered
in the transaction that changed its rows ("pending trigger events"), so data and schema go apart.
"""

from django.db import migrations


SHIPPED_LEFT_BEHIND_CHILD = {
    "description": "父母外出务工的未成年人",
    "attribute_schema": [
        {"key": "guardian", "label": "监护人", "type": "text"},
        {"key": "guardian_relation", "label": "监护人关系", "type": "text"},
        {"key": "parents_workplace", "label": "父母务工地", "type": "text"},
    ],
}
LEFT_BEHIND_CHILD = {
    "description": "父母双方外出务工或一方外出务工另一方无监护能力、不满十六周岁的未成年人（国发〔2016〕13号）",
    "age_below": 16,
    "attribute_schema": [
        {"key": "left_behind_type", "label": "留守情形", "type": "choice", "required": True,
         "choices": ["父母双方外出务工", "一方外出务工、另一方无监护能力"]},
        {"key": "guardian", "label": "监护人", "type": "text"},
        {"key": "guardian_relation", "label": "监护人关系", "type": "text"},
        {"key": "parents_workplace", "label": "父母务工地", "type": "text"},
    ],
}
NEW_GROUPS = [
    {
        "code": "children_in_difficulty", "name": "困境儿童", "order": 51, "age_below": 18,
        "description": "因家庭贫困、自身残疾、缺乏有效监护等原因，面临生存、发展和安全困境的未满十八周岁的儿童"
                       "（国发〔2016〕36号）",
        "attribute_schema": [
            {"key": "difficulty_type", "label": "困境类型", "type": "choice", "required": True,
             "choices": ["家庭贫困", "自身残疾", "家庭监护缺失或监护不当", "多种困境"]},
            {"key": "guardian", "label": "监护人", "type": "text"},
            {"key": "support", "label": "已享受的保障", "type": "text"},
        ],
    },
    {
        "code": "left_behind_elderly", "name": "留守老人", "order": 52, "age_from": 60,
        "description": "子女（含孙子女）均外出务工、留守在家的 60 周岁及以上老年人",
        "attribute_schema": [
            {"key": "living_arrangement", "label": "居住情况", "type": "choice",
             "choices": ["独居", "与配偶同住", "与孙辈同住", "其他"]},
            {"key": "children_workplace", "label": "子女务工地", "type": "text"},
            {"key": "emergency_contact", "label": "紧急联系人", "type": "text"},
            {"key": "visit_frequency", "label": "探访频次", "type": "choice", "choices": ["每日", "每周", "每月"]},
        ],
    },
    {
        "code": "left_behind_women", "name": "留守妇女", "order": 53, "age_from": 18, "gender": "F",
        "description": "丈夫外出务工、本人留守在家的妇女",
        "attribute_schema": [
            {"key": "husband_workplace", "label": "丈夫务工地", "type": "text"},
            {"key": "children_in_care", "label": "照料子女数", "type": "integer"},
            {"key": "caring_for_elderly", "label": "照料老人", "type": "boolean"},
        ],
    },
]


def define_groups(apps, schema_editor):
    SpecialGroup = apps.get_model("registry", "SpecialGroup")
    group = SpecialGroup.objects.filter(code="left_behind_child").first()
    if group is not None and all(getattr(group, name) == value for name, value in SHIPPED_LEFT_BEHIND_CHILD.items()):
        for name, value in LEFT_BEHIND_CHILD.items():
            setattr(group, name, value)
        group.save()
    existing = set(SpecialGroup.objects.values_list("code", flat=True))
    SpecialGroup.objects.bulk_create(SpecialGroup(**group) for group in NEW_GROUPS if group["code"] not in existing)


def undefine_groups(apps, schema_editor):
    SpecialGroup = apps.get_model("registry", "SpecialGroup")
    SpecialGroup.objects.filter(code__in=[g["code"] for g in NEW_GROUPS], tags__isnull=True).delete()
    group = SpecialGroup.objects.filter(code="left_behind_child").first()
    if group is not None and group.description == LEFT_BEHIND_CHILD["description"]:
        group.age_below = None
        for name, value in SHIPPED_LEFT_BEHIND_CHILD.items():
            setattr(group, name, value)
        group.save()


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0014_estate_bodies'),
    ]

    operations = [
        migrations.RunPython(define_groups, undefine_groups),
    ]
