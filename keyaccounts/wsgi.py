import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "keyaccounts.settings.local")
site = get_wsgi_application()

from keyaccounts.peers.wsgi import with_lean_listener  # noqa: E402 — needs the settings configured above

application = with_lean_listener(site)
