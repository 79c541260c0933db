"""Starting configuration an administrator may change: channels and the reasons opportunities are lost."""

from .models import Channel

VISIT_CHANNEL = ("visit", Channel.Kind.VISIT, "Account manager visit", "客户经理拜访")
DEFAULT_CHANNELS = [
    VISIT_CHANNEL,
    ("portal", Channel.Kind.PORTAL, "Customer portal", "客户门户"),
    ("hotline", Channel.Kind.HOTLINE, "Hotline 10086", "10086 热线"),
    ("agent", Channel.Kind.AGENT, "Agents and partners", "代理商与合作伙伴"),
    ("campaign", Channel.Kind.CAMPAIGN, "Marketing campaigns", "营销活动"),
]
DEFAULT_LOST_REASONS = [
    ("price", "Price not competitive", "价格无竞争力"),
    ("competitor", "Chose a competitor", "选择了竞争对手"),
    ("no-resource", "No network resource", "无网络资源"),
    ("budget", "No budget", "客户无预算"),
    ("cancelled", "Demand withdrawn", "需求取消"),
]
# Reasons that end an opportunity as cancelled rather than lost; the reason a survey ends one.
CANCELLING_REASONS = {"cancelled"}
NO_RESOURCE_REASON = "no-resource"


def ensure_defaults(channel_model, lost_reason_model) -> None:
    """Create what does not exist yet; never overwrite what an administrator set."""
    for code, kind, en, zh in DEFAULT_CHANNELS:
        channel_model.objects.get_or_create(code=code, defaults={"kind": kind, "name_en": en, "name_zh": zh})
    for code, en, zh in DEFAULT_LOST_REASONS:
        outcome = "cancelled" if code in CANCELLING_REASONS else "rejected"
        lost_reason_model.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh, "outcome": outcome})
