"""The SLA sweep over assurance clocks: `BENCH_ASSURANCE_CLOCKS` (100,000) running clocks of trouble tickets,
half the customer's (the restoration or settlement) and half a holding party's (our desk, EOMS, the SI), of which
1,000 fall due; beside them 1,000 tickets waiting on the customer, their clocks paused past their cap, and 10
whose pause a supervisor ended. One beat's work: `sla_sweep` then `sla_pauses_sweep` (target: ≤ 1 s together).
The tickets are bulk-created with the people the sweep tells: city supervisors and provincial ones (level-1
breaches go straight to the province, e-mailed at any hour)."""

import cProfile
import os
import pstats
import time
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance.clocks import PARTY_STEPS
from assurance.models import HoldingParty, Priority, Severity, TroubleTicket
from customers.models import Customer
from keyaccounts.core.models import City, Notification, User
from keyaccounts.core.roles import Role, sync_role_groups
from sla.models import SlaClock, SlaPolicy, TimeBasis
from sla.sweep import sla_pauses_sweep, sla_sweep
from tests.factories import credit_code

CLOCKS = int(os.environ.get("BENCH_ASSURANCE_CLOCKS", "100000"))
DUE, CAPPED = 1_000, 1_000
ENDED = 10  # supervisors end pauses by hand, one ticket at a time: a few in a sweep
BATCH = 5_000
H = timedelta(hours=1)


def _people() -> tuple[City, Customer]:
    groups = sync_role_groups()
    city = City.objects.create(code="bench-assurance", name_en="Bench", name_zh="基准")
    manager = User.objects.create_user("bench_am", city=city)
    manager.groups.add(groups[Role.ACCOUNT_MANAGER])
    for n in range(2):
        User.objects.create_user(f"bench_sup{n}", city=city, email=f"sup{n}@example.com").groups.add(
            groups[Role.CITY_SUPERVISOR]
        )
        User.objects.create_user(f"bench_prov{n}", city=None, email=f"prov{n}@example.com").groups.add(
            groups[Role.PROVINCIAL_SUPERVISOR]
        )
    customer = Customer.objects.create(
        name="基准企业",
        credit_code=credit_code(700_001),
        industry="manufacturing",
        address="长春市",
        size="large",
        city=city,
        account_manager=manager,
        status=Customer.Status.VALIDATED,
        level="A",
        proposed_level="A",
    )
    return city, customer


def _policies() -> dict[str, SlaPolicy]:
    level_1 = SlaPolicy.objects.create(
        step="assurance.fault_level1",
        limit=4 * H,
        time_basis=TimeBasis.CALENDAR,
        escalate_to=SlaPolicy.Escalation.PROVINCIAL_SUPERVISOR,
        email_any_time=True,
        pause_cap_percent=50,
    )
    parties = {
        step: SlaPolicy.objects.create(step=step, limit=6 * H, time_basis=TimeBasis.CALENDAR)
        for step in PARTY_STEPS.values()
    }
    return {"assurance.fault_level1": level_1, **parties}


def _clock(policy: SlaPolicy, ticket: TroubleTicket, ticket_type, *, due, state=SlaClock.State.RUNNING, **more):
    return SlaClock(
        subject_type=ticket_type,
        subject_id=ticket.pk,
        step=policy.step,
        policy=policy,
        limit=policy.limit,
        time_basis=policy.time_basis,
        warn_at_percent=policy.warn_at_percent,
        warn_again_at_percent=policy.warn_again_at_percent,
        city_id=ticket.city_id,
        started_at=due - policy.limit,
        running_since=due - policy.limit if state == SlaClock.State.RUNNING else None,
        due_at=due,
        warn_at=due - policy.limit / 2,
        warn_again_at=due - policy.limit / 5,
        warned_level=0 if due < timezone.now() else 2,
        state=state,
        **more,
    )


def _load(city: City, customer: Customer, policies: dict[str, SlaPolicy]) -> None:
    now = timezone.now()
    ticket_type = ContentType.objects.get_for_model(TroubleTicket)
    parties = [PARTY_STEPS[p] for p in HoldingParty]
    tickets = CLOCKS // 2 + CAPPED
    for start in range(0, tickets, BATCH):
        made = TroubleTicket.objects.bulk_create(
            TroubleTicket(
                type=TroubleTicket.Type.FAULT,
                channel=TroubleTicket.Channel.HOTLINE,
                customer=customer,
                city=city,
                account_manager_id=customer.account_manager_id,
                description=f"bench fault {n}",
                severity=Severity.LEVEL_1,
                priority=Priority.CRITICAL,
                status=TroubleTicket.Status.IN_PROGRESS if n < CLOCKS // 2 else TroubleTicket.Status.PENDING,
                pending_party="" if n < CLOCKS // 2 else TroubleTicket.PendingParty.CUSTOMER,
            )
            for n in range(start, min(start + BATCH, tickets))
        )
        clocks = []
        for i, ticket in enumerate(made, start):
            n = ticket.pk
            if i >= CLOCKS // 2:  # waiting on the customer: paused past the cap
                paused = now - 3 * H
                clocks.append(
                    _clock(
                        policies["assurance.fault_level1"],
                        ticket,
                        ticket_type,
                        due=now + H,
                        state=SlaClock.State.PAUSED,
                        paused_at=paused,
                        pause_reason="the customer's machine room is locked",
                        pause_cap_at=paused + 2 * H,
                        pause_ended_at=now - timedelta(minutes=1) if i % (CAPPED // ENDED) == 0 else None,
                    )
                )
                continue
            late = i < DUE // 2  # two clocks a ticket
            due = now - timedelta(seconds=1 + n % 600) if late else now + H + timedelta(seconds=n % 3_600)
            clocks.append(_clock(policies["assurance.fault_level1"], ticket, ticket_type, due=due))
            clocks.append(_clock(policies[parties[n % 3]], ticket, ticket_type, due=due))
        SlaClock.objects.bulk_create(clocks, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sla_slaclock")


def run() -> dict[str, str | float]:
    city, customer = _people()
    policies = _policies()
    loaded = time.perf_counter()
    _load(city, customer, policies)
    load_seconds = time.perf_counter() - loaded
    running = SlaClock.objects.filter(state=SlaClock.State.RUNNING, stopped_at=None).count()
    reverse("assurance:detail", args=[1])  # the URLconf, loaded once by a long-running worker, not by the sweep
    load = os.getloadavg()
    now = timezone.now()
    profile = cProfile.Profile() if os.environ.get("BENCH_ASSURANCE_PROFILE") else None
    if profile is not None:  # where the sweep's time goes, by function
        profile.enable()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        raised = sla_sweep(now=now)
        swept = time.perf_counter() - started
        paused = sla_pauses_sweep(now=now)
    elapsed = time.perf_counter() - started
    if profile is not None:
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
    again = time.perf_counter()
    idle = {**sla_sweep(now=now), **sla_pauses_sweep(now=now)}
    idle_ms = (time.perf_counter() - again) * 1000
    to_province = Notification.objects.filter(recipient__username__startswith="bench_prov", email_after__lte=now)
    return {
        "clocks": f"{running:,} running (customer and party clocks), {CAPPED:,} paused past their cap, "
        f"{ENDED} of them ended by a supervisor (loaded in {load_seconds:.0f} s)",
        "raised": f"{raised['breaches']} breaches, {raised['warnings']} warnings; {paused['pauses_capped']} long "
        f"pauses told, {paused['pauses_ended']} pauses ended",
        "sweep time": f"{elapsed * 1000:.0f} ms ({swept * 1000:.0f} ms the warnings and breaches, "
        f"{len(queries)} queries; target ≤ 1 s: {'met' if elapsed <= 1 else 'MISSED'})",
        "level-1 breaches to the province, e-mail due now": to_province.filter(kind="sla_breach").count(),
        "idle sweep (nothing due)": f"{idle_ms:.1f} ms, raised {idle}",
        "load average before the sweep": " ".join(f"{x:.2f}" for x in load),
    }
