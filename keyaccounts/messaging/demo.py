"""Demo configuration of messaging (an administrator edits it): the words of every kind of message, by SMS and
by e-mail, in Chinese and in English."""

from django.db import transaction

from .events import MessageEvent
from .models import Channel, Language, MessageTemplate

E = MessageEvent
# kind -> language -> (e-mail subject, text); the SMS is the text, the e-mail the subject and the text
TEMPLATES = {
    E.TICKET_ACKNOWLEDGED: {
        Language.CHINESE: (
            "故障单 {{ number }} 已受理",
            "{{ contact }}您好：{{ customer }}报告的{{ service }}问题已受理，单号 {{ number }}，"
            "我们将在 {{ restore_by }} 前处理完毕。",
        ),
        Language.ENGLISH: (
            "Ticket {{ number }} acknowledged",
            "Dear {{ contact }}, we have received the report of {{ customer }} about {{ service }} as ticket "
            "{{ number }} and will resolve it by {{ restore_by }}.",
        ),
    },
    E.TICKET_PROGRESS: {
        Language.CHINESE: ("故障单 {{ number }} 处理进展", "{{ contact }}您好：单号 {{ number }} 进展：{{ progress }}"),
        Language.ENGLISH: (
            "Progress on ticket {{ number }}",
            "Dear {{ contact }}, ticket {{ number }} ({{ service }}): {{ progress }}",
        ),
    },
    E.TICKET_RESTORED: {
        Language.CHINESE: (
            "故障单 {{ number }} 已恢复",
            "{{ contact }}您好：{{ service }}已恢复（单号 {{ number }}）：{{ resolution }}",
        ),
        Language.ENGLISH: (
            "Service restored: ticket {{ number }}",
            "Dear {{ contact }}, {{ service }} is restored (ticket {{ number }}): {{ resolution }}",
        ),
    },
    E.CONFIRMATION_REQUESTED: {
        Language.CHINESE: (
            "请确认故障单 {{ number }}",
            "{{ contact }}您好：单号 {{ number }} 已处理（{{ resolution }}），请回复客户经理确认是否恢复正常。",
        ),
        Language.ENGLISH: (
            "Please confirm ticket {{ number }}",
            "Dear {{ contact }}, ticket {{ number }} is resolved ({{ resolution }}). Please confirm to your "
            "account manager that {{ service }} works again.",
        ),
    },
    E.CUTOVER_NOTICE: {
        Language.CHINESE: (
            "割接通知 {{ reference }}",
            "{{ contact }}您好：因网络割接（{{ reference }}），{{ customer }}的{{ service }}将于 {{ window_start }} "
            "至 {{ window_end }} 中断，敬请谅解。",
        ),
        Language.ENGLISH: (
            "Planned work {{ reference }}",
            "Dear {{ contact }}, planned network work ({{ reference }}) interrupts {{ service }} of {{ customer }} "
            "from {{ window_start }} to {{ window_end }}.",
        ),
    },
    E.SURVEY_REQUESTED: {
        Language.CHINESE: (
            "请评价故障单 {{ number }} 的处理",
            "{{ contact }}您好：单号 {{ number }} 已办结，请花一分钟评价我们的服务：{{ link }}",
        ),
        Language.ENGLISH: (
            "How did we handle ticket {{ number }}?",
            "Dear {{ contact }}, ticket {{ number }} is closed. Please tell us how we did (one minute): {{ link }}",
        ),
    },
}


@transaction.atomic
def seed_demo_templates() -> None:
    """Idempotent: a template an administrator has kept (its kind, channel and language) is left as it is."""
    for event, languages in TEMPLATES.items():
        for language, (title, body) in languages.items():
            for channel in Channel.values:
                if MessageTemplate.objects.filter(event=event, channel=channel, language=language).exists():
                    continue
                template = MessageTemplate(
                    event=event,
                    channel=channel,
                    language=language,
                    title=title if channel == Channel.EMAIL else "",
                    body=body,
                )
                template.full_clean()
                template.save()
