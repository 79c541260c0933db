"""A journey starts from a database holding only configuration (people, places, products, SLA policies,
calendars, rules) and runs against the real pieces: the live server, a Celery worker on Redis and the EOMS/SI
stub peers over HTTP, which push their events to the live server's listener."""

import pytest
import requests
from django.core.management import call_command
from playwright.sync_api import expect

from customers.models import Customer
from keyaccounts.peers.client import peer_subscribe
from keyaccounts.peers.models import Peer
from opportunities.models import Opportunity
from orders.models import BillingAccount, Order


@pytest.fixture
def configured(transactional_db, live_server, stub_server, celery_worker_process, settings):
    settings.EOMS_BASE_URL = f"{stub_server}/eoms"
    settings.SI_BASE_URL = f"{stub_server}/si"
    settings.GATEWAY_BASE_URL = f"{stub_server}/gateway"
    call_command("seed_demo", configuration_only=True, verbosity=0)
    # Configuration only: whatever business the journey needs, its people make through the pages.
    assert not any(m.objects.exists() for m in (Customer, BillingAccount, Opportunity, Order))
    callbacks = {peer: f"{live_server.url}/api/v1/listener/{peer}" for peer in Peer.values}
    for peer, callback in callbacks.items():
        peer_subscribe(peer, callback)
    yield live_server.url
    for peer, callback in callbacks.items():
        for sub in requests.get(f"{stub_server}/{peer}/hub", timeout=5).json():
            if sub["callback"] == callback:
                requests.delete(f"{stub_server}/{peer}/hub/{sub['id']}", timeout=5)


@pytest.fixture(autouse=True)
def prompt_failures(page):
    """A page that does not show what a step expects fails in seconds, not Playwright's default half-minute."""
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
