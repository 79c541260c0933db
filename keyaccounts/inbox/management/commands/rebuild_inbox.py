from django.core.management.base import BaseCommand

from keyaccounts.inbox.inbox import inbox_rebuild


class Command(BaseCommand):
    help = "Recompute the inbox's entries from the tasks, their records and open SLA clocks (after a bulk load)."

    def handle(self, *args, **options):
        self.stdout.write(f"{inbox_rebuild()} inbox entries")
