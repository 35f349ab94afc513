"""Special groups as their definitions say (issue 12 item 10).

- 留守儿童 follows 国发〔2016〕13号《国务院关于加强农村留守儿童关爱保护工作的意见》: "父母双方外出务工或
  一方外出务工另一方无监护能力、不满十六周岁的未成年人" — which of the two cases is recorded, and
  only persons under 16 may be tagged.
- 困境儿童 follows 国发〔2016〕36号《国务院关于加强困境儿童保障工作的意见》: children (under 18) in
  difficulty "因家庭贫困、自身残疾、缺乏有效监护等原因".
- 留守老人 (60 and over, children all working away) and 留守妇女 (husband working away) are added.

Like 0002, the shipped groups are only changed while they are as shipped (an administrator's
edits are kept), and groups are only added where their code is not there yet.
"""


from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0012_person_list_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='specialgroup',
            name='age_below',
            field=models.PositiveSmallIntegerField(blank=True, help_text='不满该周岁的人员才能列入，如留守儿童 16', null=True, verbose_name='不满（周岁）'),
        ),
        migrations.AddField(
            model_name='specialgroup',
            name='age_from',
            field=models.PositiveSmallIntegerField(blank=True, help_text='年满该周岁的人员才能列入，如留守老人 60', null=True, verbose_name='年满（周岁）'),
        ),
        migrations.AddField(
            model_name='specialgroup',
            name='gender',
            field=models.CharField(blank=True, choices=[('M', '男'), ('F', '女')], max_length=1, verbose_name='限定性别'),
        ),
    ]
