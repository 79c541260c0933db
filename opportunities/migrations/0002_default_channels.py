from django.db import migrations

# Frozen copy of the starting configuration (a migration must not follow later code).
CHANNELS = [
    ("visit", "visit", "Account manager visit", "客户经理拜访"),
    ("portal", "portal", "Customer portal", "客户门户"),
    ("hotline", "hotline", "Hotline 10086", "10086 热线"),
    ("agent", "agent", "Agents and partners", "代理商与合作伙伴"),
    ("campaign", "campaign", "Marketing campaigns", "营销活动"),
]
LOST_REASONS = [
    ("price", "Price not competitive", "价格无竞争力"),
    ("competitor", "Chose a competitor", "选择了竞争对手"),
    ("no-resource", "No network resource", "无网络资源"),
    ("budget", "No budget", "客户无预算"),
    ("cancelled", "Demand withdrawn", "需求取消"),
]


def create_defaults(apps, schema_editor):
    Channel = apps.get_model("opportunities", "Channel")
    LostReason = apps.get_model("opportunities", "LostReason")
    for code, kind, en, zh in CHANNELS:
        Channel.objects.get_or_create(code=code, defaults={"kind": kind, "name_en": en, "name_zh": zh})
    for code, en, zh in LOST_REASONS:
        LostReason.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh})


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
