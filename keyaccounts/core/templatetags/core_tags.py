from django import template
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from keyaccounts.core.inbox import UrlFormats
from keyaccounts.core.timeline import action_label as _action_label

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return _action_label(code)


@register.filter
def hours_minutes(value) -> str:
    """A duration as people read it: "3 h 05 min" (negative durations read as overdue)."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return f"{sign}{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@register.simple_tag
def inbox_rows(rows, *, view: str, ticks: bool, back: str):
    """The inbox's rows, written out in Python: the same markup through the template language cost half of the
    inbox page's time (some 40 lookups and tags a row). Labels are translated once a page, URLs reversed once."""
    labels = {
        "tick": _("Tick"),
        "track": _("track"),
        "actions": _("Actions"),
        "loading": _("Loading…"),
        "breached": _("breached"),
        "met": _("met"),
        "paused": _("paused"),
    }
    priorities = {
        "high": format_html('<span class="badge text-bg-danger">{}</span>', _("high")),
        "low": format_html('<span class="badge text-bg-secondary">{}</span>', _("low")),
        "normal": format_html('<span class="badge text-bg-info">{}</span>', _("normal")),
    }
    urls = UrlFormats()
    done = view == "done"
    html = []
    for row in rows:
        sla = row.sla
        if sla is None:
            sla_class, sla_text = "none", "—"
        else:
            sla_class = sla.level
            sla_text = labels[sla.level] if sla.level in ("breached", "met", "paused") else hours_minutes(sla.time_left)
        when = row.finished if done else row.created
        html.append(
            format_html(
                '<tr data-task="{task}">{tick}<td><a href="{url}">{title}</a><br><small class="text-body-secondary">'
                '{flow} · <a class="text-body-secondary" href="{process}">{track}</a>{owner}</small></td>'
                "<td>{customer}{level}</td><td>{city}</td><td>{step}</td><td>{when}</td>"
                '<td class="sla-{sla_class}" data-testid="time-left">{sla_text}</td><td>{priority}</td>'
                '<td class="text-end">{menu}</td></tr>',
                task=row.task_id,
                tick=format_html(
                    '<td><input class="form-check-input" type="checkbox" name="task" value="{}" form="bulk" '
                    'aria-label="{}"></td>',
                    row.task_id,
                    labels["tick"],
                )
                if ticks
                else "",
                url=row.url,
                title=row.title,
                flow=row.flow,
                process=urls.reverse("process", row.process_id),
                track=labels["track"],
                owner=f" · {row.owner}" if view != "mine" and row.owner else "",
                customer=row.customer_name,
                level=format_html(' <span class="badge text-bg-light">{}</span>', row.level) if row.level else "",
                city=row.city or "—",
                step=format_html("<code>{}</code>", row.step) if row.step else "",
                when=localtime(when).strftime("%m-%d %H:%M") if when else "",
                sla_class=sla_class,
                sla_text=sla_text,
                priority=priorities[row.priority],
                menu="" if done else _inbox_menu(urls.reverse("inbox_menu", row.task_id), back, labels),
            )
        )
    return format_html_join("\n", "{}", ((row,) for row in html))


def _inbox_menu(url: str, back: str, labels: dict) -> str:
    """A row's actions button; the menu itself is fetched when it is first opened."""
    return format_html(
        '<div class="dropdown" data-testid="task-actions"><button class="btn btn-sm btn-outline-secondary '
        'dropdown-toggle" type="button" data-bs-toggle="dropdown" data-bs-auto-close="outside" aria-expanded="false" '
        'hx-get="{}?{}" hx-trigger="click once" hx-target="next .dropdown-menu">{}</button>'
        '<div class="dropdown-menu dropdown-menu-end p-3" style="min-width: 18rem">'
        '<span class="text-body-secondary small">{}</span></div></div>',
        url,
        back,
        labels["actions"],
        labels["loading"],
    )
