"""Demo customers in every state, made through the real services so their timelines are real."""

from django.db import transaction

from keyaccounts.core.models import User

from . import services
from .defaults import ensure_default_level_rules
from .flows import ArchivingFlow
from .models import Customer, LevelApprovalRule
from .selectors import archiving_open_tasks
from .validators import credit_code_check_character

Decision = services.ArchivingRequest.Decision


def demo_credit_code(serial: int, region: str = "220100") -> str:
    first17 = f"91{region}{serial:09d}"
    return first17 + credit_code_check_character(first17)


# name, city, level, what happens: draft | review | validated | closed | approval
DEMO = [
    ("长春一汽物流有限公司", "changchun", "B", "validated"),
    ("吉林省人民医院", "changchun", "A", "approval"),
    ("长春师范大学", "changchun", "C", "review"),
    ("东北粮食贸易有限公司", "changchun", "D", "draft"),
    ("宽城水泥厂", "changchun", "D", "closed"),
    ("吉林化纤集团", "jilin", "A", "validated"),
    ("吉林市供水有限公司", "jilin", "C", "review"),
]


def _task(customer, node):
    return archiving_open_tasks(customer).get(flow_task=node)


def seed_level_rules() -> None:
    """Configuration: which levels need a supervisor (a flushed test database has lost the migration's rows)."""
    ensure_default_level_rules(LevelApprovalRule)


@transaction.atomic
def seed_demo_customers() -> None:
    for serial, (name, city, level, state) in enumerate(DEMO, start=1):
        if Customer.objects.filter(credit_code=demo_credit_code(serial)).exists():
            continue
        manager = User.objects.get(username=f"am_{city}")
        reviewer = User.objects.get(username=f"bo_{city}")
        supervisor = User.objects.get(username=f"sup_{city}")
        fields = {
            "name": name,
            "credit_code": demo_credit_code(serial),
            "industry": "other",
            "size": "large",
            "address": f"吉林省{manager.city.name_zh}市 {name}",
            "proposed_level": level,
            "level_reason": "演示数据",
        }
        contacts = [{"name": "张伟", "role": "信息部主任", "phone": "13904310000", "email": "it@example.com"}]
        customer = services.customer_save_draft(user=manager, fields=fields, contacts=contacts)
        if state == "draft":
            continue
        services.customer_submit(user=manager, customer=customer)
        if state == "review":
            continue
        decision = Decision.REJECT if state == "closed" else Decision.APPROVE
        services.archiving_review(
            user=reviewer,
            task_pk=_task(customer, ArchivingFlow.review).pk,
            decision=decision,
            reason="演示：与已有客户重复" if state == "closed" else "",
        )
        if level == "A" and state == "validated":
            services.archiving_approve(
                user=supervisor, task_pk=_task(customer, ArchivingFlow.approve).pk, decision=Decision.APPROVE
            )
