"""The peers' listener on a lean path of the same WSGI application.

EOMS and SI post several events per work order, hundreds a second. Each one went through the site's whole
middleware stack (sessions, locale, CSRF, auth, messages, lockout, viewflow's site…) and the site's URL
resolver, about a third of the listener's cost, for a signed machine call that needs none of them. Requests
the listener's URLconf matches are served by a handler with only `LISTENER_MIDDLEWARE`; everything else by
the site's. Same process, same gunicorn command.
"""

import functools

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest, get_path_info
from django.urls import Resolver404, get_resolver
from django.utils.module_loading import import_string


class ListenerRequest(WSGIRequest):
    urlconf = settings.LISTENER_URLCONF  # the handler resolves against the listener's routes only


class ListenerHandler(WSGIHandler):
    request_class = ListenerRequest

    def load_middleware(self, is_async=False):
        """Django's chain built from `LISTENER_MIDDLEWARE` (synchronous `__call__`-only middleware)."""
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.LISTENER_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if any(hasattr(middleware, hook) for hook in ("process_view", "process_exception")):
                raise ImproperlyConfigured(f"{path}: the listener's chain takes no view or exception hooks")
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


def with_lean_listener(site):
    """The WSGI application: the listener's routes through `ListenerHandler`, the rest through `site`."""
    listener, routes = ListenerHandler(), get_resolver(settings.LISTENER_URLCONF)

    @functools.lru_cache(maxsize=1024)  # the peers post to a handful of paths; the handler resolves them again
    def is_listener(path: str) -> bool:
        try:
            routes.resolve(path)
        except Resolver404:
            return False
        return True

    def application(environ, start_response):
        handler = listener if is_listener(get_path_info(environ)) else site
        return handler(environ, start_response)

    return application
