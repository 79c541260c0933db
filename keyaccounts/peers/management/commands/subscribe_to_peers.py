from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from keyaccounts.peers.client import PeerError, peer_subscribe
from keyaccounts.peers.models import Peer


class Command(BaseCommand):
    help = "Register our event listener with the EOMS and SI hubs (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=settings.PUBLIC_BASE_URL, help="where the peers reach us")

    def handle(self, *args, base_url, **options):
        for peer in Peer.values:
            callback = base_url.rstrip("/") + reverse("peer-listener", args=[peer])
            try:
                added = peer_subscribe(peer, callback)
            except PeerError as error:
                self.stderr.write(f"{peer}: {error}")
                continue
            self.stdout.write(f"{peer}: {'registered' if added else 'already registered'} {callback}")
