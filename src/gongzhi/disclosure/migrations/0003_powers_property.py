"""The small-powers list and the property evaluation (issue 13 items 9 and 10), with the default
catalogue and score sheet."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def install_defaults(apps, schema_editor):
    from gongzhi.disclosure import defaults

    defaults.install(apps.get_model("disclosure", "PowerItem"), apps.get_model("disclosure", "PowerStep"),
                     apps.get_model("disclosure", "ScoreCriterion"))


class Migration(migrations.Migration):

    dependencies = [
        ('areas', '0002_area_kind'),
        ('disclosure', '0001_initial'),
        ('registry', '0015_special_group_definitions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PowerItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='编码')),
                ('name', models.CharField(max_length=60, verbose_name='权力事项')),
                ('applies_to', models.CharField(choices=[('both', '社区和村'), ('neighbourhood', '社区'), ('village', '村')], default='both', max_length=20, verbose_name='适用')),
                ('legal_basis', models.TextField(verbose_name='法律政策依据')),
                ('responsible', models.CharField(help_text='如“村（居）民委员会”“村党组织”', max_length=100, verbose_name='责任主体')),
                ('time_limit', models.CharField(help_text='如“10个工作日”', max_length=60, verbose_name='办理时限')),
                ('description', models.TextField(blank=True, verbose_name='事项说明')),
                ('sort', models.PositiveSmallIntegerField(default=100, verbose_name='排序')),
                ('active', models.BooleanField(default=True, verbose_name='启用')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
            ],
            options={
                'verbose_name': '小微权力事项',
                'verbose_name_plural': '小微权力事项',
                'ordering': ['sort', 'code'],
            },
        ),
        migrations.CreateModel(
            name='PowerStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('order', models.PositiveSmallIntegerField(verbose_name='顺序')),
                ('title', models.CharField(max_length=60, verbose_name='步骤')),
                ('actor', models.CharField(blank=True, max_length=60, verbose_name='承办')),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='disclosure.poweritem', verbose_name='权力事项')),
            ],
            options={
                'verbose_name': '办理步骤',
                'verbose_name_plural': '办理步骤',
                'ordering': ['item', 'order'],
            },
        ),
        migrations.CreateModel(
            name='PowerExercise',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='日期')),
                ('outcome', models.CharField(choices=[('in_progress', '办理中'), ('approved', '通过'), ('rejected', '不予通过'), ('returned', '退回补正'), ('completed', '已办结')], max_length=20, verbose_name='结果')),
                ('public_summary', models.TextField(help_text='公开显示，不得包含姓名、身份证号、电话、住址等个人信息', max_length=500, verbose_name='公开摘要')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='登记时间')),
                ('area', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='areas.area', verbose_name='社区/村')),
                ('recorded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
                ('subject', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='registry.person', verbose_name='当事人')),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='exercises', to='disclosure.poweritem', verbose_name='权力事项')),
                ('step', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='disclosure.powerstep', verbose_name='办理到')),
            ],
            options={
                'verbose_name': '小微权力运行记录',
                'verbose_name_plural': '小微权力运行记录',
                'ordering': ['-date', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='PropertyEvaluation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('quarter', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(4)], verbose_name='季度')),
                ('company_name', models.CharField(blank=True, max_length=200, verbose_name='物业公司')),
                ('management_mode', models.CharField(blank=True, max_length=20, verbose_name='管理方式')),
                ('comments', models.TextField(blank=True, max_length=1000, verbose_name='考评意见')),
                ('status', models.CharField(choices=[('draft', '草稿'), ('published', '已公布')], default='draft', max_length=20, verbose_name='状态')),
                ('sheet_points', models.DecimalField(blank=True, decimal_places=1, max_digits=6, null=True, verbose_name='考评表得分')),
                ('sheet_max', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='考评表满分')),
                ('sheet_percent', models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True, verbose_name='考评表得分率')),
                ('satisfaction', models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True, verbose_name='居民满意度')),
                ('rating_count', models.PositiveIntegerField(default=0, verbose_name='参评居民数')),
                ('sheet_weight', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='考评表权重（%）')),
                ('total', models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True, verbose_name='综合得分')),
                ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='公布时间')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('company', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='registry.organisation', verbose_name='物业公司')),
                ('estate', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='property_evaluations', to='registry.estate', verbose_name='小区/院落')),
                ('evaluated_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='考评人')),
            ],
            options={
                'verbose_name': '物业季度考评',
                'verbose_name_plural': '物业季度考评',
                'ordering': ['-year', '-quarter', 'estate'],
            },
        ),
        migrations.CreateModel(
            name='PropertySettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sheet_weight', models.PositiveSmallIntegerField(default=70, help_text='总分 = 考评表得分率 × 本权重 + 居民满意度 × （100 − 本权重）', validators=[django.core.validators.MaxValueValidator(100)], verbose_name='考评表权重（%）')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
            ],
            options={
                'verbose_name': '物业考评设置',
                'verbose_name_plural': '物业考评设置',
                'constraints': [models.CheckConstraint(condition=models.Q(('sheet_weight__lte', 100)), name='disclosure_settings_weight')],
            },
        ),
        migrations.CreateModel(
            name='SatisfactionRating',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('quarter', models.PositiveSmallIntegerField(verbose_name='季度')),
                ('rating', models.PositiveSmallIntegerField(choices=[(5, '非常满意'), (4, '满意'), (3, '基本满意'), (2, '不满意'), (1, '非常不满意')], verbose_name='评价')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='评价时间')),
                ('estate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.estate', verbose_name='小区/院落')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.person', verbose_name='居民')),
            ],
            options={
                'verbose_name': '物业满意度评价',
                'verbose_name_plural': '物业满意度评价',
            },
        ),
        migrations.CreateModel(
            name='ScoreCriterion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=40, unique=True, verbose_name='考评项目')),
                ('description', models.CharField(blank=True, max_length=200, verbose_name='考评内容')),
                ('max_points', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(100)], verbose_name='满分')),
                ('sort', models.PositiveSmallIntegerField(default=100, verbose_name='排序')),
                ('active', models.BooleanField(default=True, verbose_name='启用')),
            ],
            options={
                'verbose_name': '物业考评项目',
                'verbose_name_plural': '物业考评项目',
                'ordering': ['sort', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('max_points__gte', 1), ('max_points__lte', 100)), name='disclosure_criterion_max_points')],
            },
        ),
        migrations.CreateModel(
            name='CriterionScore',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('criterion_name', models.CharField(max_length=40, verbose_name='考评项目')),
                ('max_points', models.PositiveSmallIntegerField(verbose_name='满分')),
                ('points', models.DecimalField(decimal_places=1, max_digits=5, verbose_name='得分')),
                ('evaluation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='scores', to='disclosure.propertyevaluation', verbose_name='考评')),
                ('criterion', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='disclosure.scorecriterion', verbose_name='考评项目')),
            ],
            options={
                'verbose_name': '考评得分',
                'verbose_name_plural': '考评得分',
                'ordering': ['evaluation', 'pk'],
            },
        ),
        migrations.AddConstraint(
            model_name='powerstep',
            constraint=models.UniqueConstraint(fields=('item', 'order'), name='disclosure_powerstep_order'),
        ),
        migrations.AddIndex(
            model_name='powerexercise',
            index=models.Index(fields=['area', '-date'], name='disclosure_exercise_area_date'),
        ),
        migrations.AddConstraint(
            model_name='propertyevaluation',
            constraint=models.UniqueConstraint(fields=('estate', 'year', 'quarter'), name='disclosure_evaluation_quarter'),
        ),
        migrations.AddConstraint(
            model_name='propertyevaluation',
            constraint=models.CheckConstraint(condition=models.Q(('quarter__gte', 1), ('quarter__lte', 4)), name='disclosure_evaluation_quarter_range'),
        ),
        migrations.AddConstraint(
            model_name='satisfactionrating',
            constraint=models.UniqueConstraint(fields=('person', 'estate', 'year', 'quarter'), name='disclosure_rating_once'),
        ),
        migrations.AddConstraint(
            model_name='satisfactionrating',
            constraint=models.CheckConstraint(condition=models.Q(('rating__gte', 1), ('rating__lte', 5)), name='disclosure_rating_range'),
        ),
        migrations.AddConstraint(
            model_name='satisfactionrating',
            constraint=models.CheckConstraint(condition=models.Q(('quarter__gte', 1), ('quarter__lte', 4)), name='disclosure_rating_quarter_range'),
        ),
        migrations.AddConstraint(
            model_name='criterionscore',
            constraint=models.UniqueConstraint(fields=('evaluation', 'criterion'), name='disclosure_score_once'),
        ),
        migrations.AddConstraint(
            model_name='criterionscore',
            constraint=models.CheckConstraint(condition=models.Q(('points__gte', 0), ('points__lte', models.F('max_points'))), name='disclosure_score_range'),
        ),
        migrations.RunPython(install_defaults, migrations.RunPython.noop),
    ]
