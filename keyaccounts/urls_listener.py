"""The routes the peers call (EOMS and SI post their events): part of the site's URLconf, and served on their
own by `keyaccounts.wsgi` without the site's middleware."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("keyaccounts.peers.urls"))]
