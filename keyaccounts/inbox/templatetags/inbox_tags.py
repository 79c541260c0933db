"""The inbox page's rows, written out in Python."""

from django import template
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from keyaccounts.core.markup import esc, safe
from keyaccounts.core.templatetags.core_tags import hours_minutes

from ..inbox import UrlFormats

register = template.Library()


@register.simple_tag
def inbox_rows(rows, *, view: str, ticks: bool, back: str):
    """The inbox's rows, written out in Python: the same markup through the template language cost half of the
    inbox page's time (some 40 lookups and tags a row). Labels are translated once a page, URLs reversed once."""
    labels = {
        key: safe(esc(text))
        for key, text in {
            "tick": _("Tick"),
            "track": _("track"),
            "actions": _("Actions"),
            "loading": _("Loading…"),
            "breached": _("breached"),
            "met": _("met"),
            "paused": _("paused"),
        }.items()
    }
    priorities = {
        "high": f'<span class="badge text-bg-danger">{esc(_("high"))}</span>',
        "low": f'<span class="badge text-bg-secondary">{esc(_("low"))}</span>',
        "normal": f'<span class="badge text-bg-info">{esc(_("normal"))}</span>',
    }
    urls = UrlFormats()
    done = view == "done"
    back = esc(back)
    html = []
    for row in rows:
        sla = row.sla
        if sla is None:
            sla_class, sla_text = "none", "—"
        else:
            sla_class = sla.level
            sla_text = labels[sla.level] if sla.level in ("breached", "met", "paused") else hours_minutes(sla.time_left)
        when = row.finished if done else row.created
        tick = (
            f'<td><input class="form-check-input" type="checkbox" name="task" value="{row.task_id}" form="bulk" '
            f'aria-label="{labels["tick"]}"></td>'
            if ticks
            else ""
        )
        owner = f" · {esc(row.owner)}" if view != "mine" and row.owner else ""
        level = f' <span class="badge text-bg-light">{esc(row.level)}</span>' if row.level else ""
        step = f"<code>{esc(row.step)}</code>" if row.step else ""
        menu = "" if done else _inbox_menu(urls.reverse("inbox_menu", row.task_id), back, labels)
        html.append(
            f'<tr data-task="{row.task_id}">{tick}<td><a href="{esc(row.url)}">{esc(row.title)}</a><br>'
            f'<small class="text-body-secondary">{esc(row.flow)} · <a class="text-body-secondary" '
            f'href="{esc(urls.reverse("process", row.process_id))}">{labels["track"]}</a>{owner}</small></td>'
            f"<td>{esc(row.customer_name)}{level}</td><td>{esc(row.city or '—')}</td><td>{step}</td>"
            f"<td>{localtime(when).strftime('%m-%d %H:%M') if when else ''}</td>"
            f'<td class="sla-{esc(sla_class)}" data-testid="time-left">{esc(sla_text)}</td>'
            f"<td>{priorities[row.priority]}</td>"
            f'<td class="text-end">{menu}</td></tr>'
        )
    return safe("\n".join(html))


def _inbox_menu(url: str, back: str, labels: dict) -> str:
    """A row's actions button (`back` and `labels` already escaped); the menu itself is fetched when it is
    first opened."""
    return (
        '<div class="dropdown" data-testid="task-actions"><button class="btn btn-sm btn-outline-secondary '
        'dropdown-toggle" type="button" data-bs-toggle="dropdown" data-bs-auto-close="outside" aria-expanded="false" '
        f'hx-get="{esc(url)}?{back}" hx-trigger="click once" hx-target="next .dropdown-menu">{labels["actions"]}</button>'
        '<div class="dropdown-menu dropdown-menu-end p-3" style="min-width: 18rem">'
        f'<span class="text-body-secondary small">{labels["loading"]}</span></div></div>'
    )
