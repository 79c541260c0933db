"""The process registry: what the shared parts (inbox, home, tracking, dashboards, demo data) need of each
process app, filled by the apps from their `AppConfig.ready()` so that the shared parts import no app.

It is built once at start-up (netbox's `registry`, like the timeline's `register_actions`): reading it on a
request is reading a tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from django.urls import reverse


def follow_path(obj, path: str):
    """The object at the end of a `__` path of attributes, or None where the path stops."""
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


@dataclass(frozen=True)
class RowFacts:
    """What tells a record's inbox rows and notifications apart: the number people quote, its products (named in
    both languages) and its amount."""

    number: str = ""
    products_en: str = ""
    products_zh: str = ""
    amount: Decimal | None = None

    SUMMARY_LENGTH = 200  # the inbox entry's column

    @classmethod
    def of(cls, number: str, products=(), amount: Decimal | None = None) -> RowFacts:
        """From the record's products (bilingual reference data), each named once, in the catalogue's order."""
        unique = sorted({p.pk: p for p in products}.values(), key=lambda p: p.pk)

        def summary(names: list[str], separator: str) -> str:
            text = separator.join(names)
            return text if len(text) <= cls.SUMMARY_LENGTH else text[: cls.SUMMARY_LENGTH - 1] + "…"

        return cls(
            number, summary([p.name_en for p in unique], ", "), summary([p.name_zh for p in unique], "、"), amount
        )


@dataclass(frozen=True)
class InboxSource:
    """How the inbox (and the task notifications) read one flow's tasks."""

    flow: type
    label: str
    scope: Callable  # user, city=, flow= -> Q over Task: what the user may act on
    claimable: Callable  # user -> [(steps, cities or None for any)]: the unclaimed steps the user may claim
    record_path: str  # Task -> the record its SLA clocks hang on
    customer_path: str  # record -> its Customer
    city_path: str  # record -> its City
    url_name: str  # the page that completes a task, named with the record's `url_key` and the task's pk
    steps: dict  # node name -> SLA step
    number_prefix: str = ""  # the reference people quote: prefix + the pk of `number_path`
    number_path: str = ""  # record -> the record numbered (empty: the record itself)
    product_path: str = ""  # record -> the products it is about
    name_path: str = ""  # record -> a name to search when there is no customer yet
    manager_path: str = "account_manager"  # record -> the account manager whose business it is
    url_key: str = "pk"  # the record's field that `url_name` takes first
    # records (a queryset) -> {pk: RowFacts}: what the inbox rows and notifications show of them, a few queries
    facts: Callable[[QuerySet], dict] = lambda records: {}

    def url(self, task, record) -> str:
        return reverse(self.url_name, args=[getattr(record, self.url_key), task.pk])

    def record(self, task):
        return follow_path(task, self.record_path)

    def customer_of(self, record):
        return follow_path(record, self.customer_path)

    def customer_name(self, record) -> str:
        """The customer's name, or the name given before there is a customer (a prospect)."""
        customer = self.customer_of(record)
        if customer is not None:
            return customer.name
        return getattr(record, self.name_path, "") if self.name_path else ""

    def city_of(self, record):
        return follow_path(record, self.city_path)

    def facts_of(self, record) -> RowFacts:
        """The facts of one record (the number, products and amount its rows and notifications show)."""
        return self.facts(type(record)._base_manager.filter(pk=record.pk)).get(record.pk, RowFacts())

    def related(self) -> list[str]:
        return [f"{self.record_path}__{self.customer_path}", f"{self.record_path}__{self.city_path}"]


@dataclass
class Panel:
    """A home page panel: a title, a template and its context."""

    title: str
    template: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class HomePanel:
    """Panels a role sees on its home page, at `order` among that role's: `build` draws them for the user, none
    when the user has nothing to do with them (a back office outside their team)."""

    role: str
    order: int
    build: Callable[[Any], list[Panel]]


@dataclass
class ChainLink:
    """A piece of the business around a process: customer, opportunity, order, launch."""

    label: str
    title: str
    url: str
    process_id: int | None
    current: bool = False


@dataclass(frozen=True)
class Volume:
    """A monthly figure of the supervisors' dashboard: the records in the user's scope, counted by `field`."""

    name: str
    records: Callable[[Any], QuerySet]
    field: str


@dataclass(frozen=True)
class DashboardSection:
    """A section a process app adds to the supervisors' dashboard, after the SLA figures: `build(user, period,
    city_id)` gives its template's context, figures in the user's scope; `exports` names its tables, each as
    context -> (translated title, translated headers, rows of values), downloaded as `?export=<key>-<name>`."""

    key: str
    title: Any
    template: str
    build: Callable[[Any, Any, int | None], dict]
    exports: Mapping[str, Callable[[dict], tuple[Any, list, list]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Seeder:
    """A step of the demo data, run at `order` among every app's (one app's data needs another's). `business`:
    it makes business records (customers, accounts, opportunities, orders), not configuration."""

    order: int
    seed: Callable[[], None]
    business: bool = False


@dataclass(frozen=True)
class ProcessSpec:
    """What the shared parts need of one process app."""

    source: InboxSource  # the flow, its SLA steps, and how the inbox reads its tasks
    visible_records: Callable[[Any], QuerySet]  # user -> the records the user may see (process tracking)
    chain: Callable[[Any], list[ChainLink]]  # record -> the business around it, customer first
    timeline_subjects: Callable[[Any], tuple] = lambda record: (record,)  # whose events the process shows
    panels: tuple[HomePanel, ...] = ()
    volumes: tuple[Volume, ...] = ()
    seeders: tuple[Seeder, ...] = ()
    customer_levels: list | None = None  # the inbox filter's level choices
    step_names: Mapping = field(default_factory=dict)  # SLA step code -> its name (a lazy translation)
    dashboard_sections: tuple[DashboardSection, ...] = ()  # sections of the supervisors' dashboard

    @property
    def flow(self) -> type:
        return self.source.flow

    @property
    def sla_steps(self) -> dict:
        return self.source.steps


@dataclass
class Hooks:
    """What core calls in the platform apps without importing them; each app sets its own from `ready()`."""

    # sla: make the subject's clocks run exactly while its timed steps wait; returns its open clocks by step.
    clocks_follow: Callable[..., dict] | None = None
    # sla: when an e-mail raised at a moment may leave under a calendar (None: the default one).
    next_working_moment: Callable[[datetime, Any], datetime] | None = None
    # inbox: the process's tasks whose entries must follow a step, and the entries following them.
    tasks_to_follow: Callable[[int, Any], list] | None = None
    entries_follow: Callable[..., None] | None = None
    # inbox: a clock paused or resumed outside a step.
    clock_moved: list[Callable[[Any], None]] = field(default_factory=list)


hooks = Hooks()
_processes: list[ProcessSpec] = []
_sources: tuple[InboxSource, ...] = ()
_panels: list[HomePanel] = []
_seeders: list[Seeder] = []
_volumes: list[Volume] = []
_dashboard_sections: list[DashboardSection] = []
_configuration: list[tuple[str, str, type[Model]]] = []
_page_access: dict[str, Callable] = {}
_step_names: dict[str, Any] = {}


def register_process(spec: ProcessSpec) -> None:
    if any(known.flow is spec.flow for known in _processes):
        return  # ready() run again (tests that reload apps)
    global _sources  # the tuple every request reads, rebuilt at start-up only
    _processes.append(spec)
    _sources = (*_sources, spec.source)
    register_panels(*spec.panels)
    register_seeders(*spec.seeders)
    register_step_names(spec.step_names)
    _volumes.extend(spec.volumes)
    _dashboard_sections.extend(spec.dashboard_sections)


def register_panels(*panels: HomePanel) -> None:
    _panels.extend(p for p in panels if p not in _panels)


def register_seeders(*seeders: Seeder) -> None:
    _seeders.extend(s for s in seeders if s not in _seeders)


def register_step_names(names: Mapping) -> None:
    """Name SLA steps (code -> lazy translation) for every page that shows one: the code stays in the data."""
    _step_names.update(names)


def step_name(code: str) -> str:
    """The step's name in the reader's language; a step no app names (typed by an administrator) keeps its code."""
    return str(_step_names.get(code, code))


def step_choices(current: str = "") -> list[tuple[str, str]]:
    """Every named SLA step as (code, name), by name in the reader's language, for an administrator to choose
    from; `current`, a step no app names any more, stays choosable under its code."""
    choices = sorted(((code, str(name)) for code, name in _step_names.items()), key=lambda choice: choice[1])
    if current and current not in _step_names:
        choices.append((current, current))
    return choices


def register_configuration(label: str, admin_changelist: str, model: type[Model]) -> None:
    """A configuration table the administrator's home page links to, with its row count."""
    if (label, admin_changelist, model) not in _configuration:
        _configuration.append((label, admin_changelist, model))


def register_page_access(url_name: str, may: Callable) -> None:
    """The access function a page's view asks (user -> bool), so that links to the page ask it too."""
    _page_access[url_name] = may


def page_access(url_name: str) -> Callable | None:
    return _page_access.get(url_name)


def processes() -> tuple[ProcessSpec, ...]:
    return tuple(_processes)


def sources() -> tuple[InboxSource, ...]:
    return _sources


def process_of(flow_class) -> ProcessSpec | None:
    return next((p for p in _processes if p.flow is flow_class), None)


def panels_of(role: str) -> list[HomePanel]:
    return sorted((p for p in _panels if p.role == role), key=lambda p: p.order)


def seeders(*, configuration_only: bool = False) -> list[Seeder]:
    return sorted((s for s in _seeders if not (configuration_only and s.business)), key=lambda s: s.order)


def volumes() -> list[Volume]:
    return list(_volumes)


def dashboard_sections() -> list[DashboardSection]:
    return list(_dashboard_sections)


def configuration() -> list[tuple[str, str, type[Model]]]:
    return list(_configuration)
