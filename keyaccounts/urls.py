from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from keyaccounts.core import views as core_views

urlpatterns = [
    path("", include("keyaccounts.inbox.urls")),  # home, inbox, processes
    path("organisation/", core_views.OrganisationView.as_view(), name="organisation"),
    path("notifications/", core_views.notifications, name="notifications"),
    path("notifications/<int:pk>/", core_views.notification_read, name="notification_read"),
    path("customers/", include("customers.urls")),
    path("opportunities/", include("opportunities.urls")),
    path("orders/", include("orders.urls")),
    path("provisioning/", include("provisioning.urls")),
    path("assurance/", include("assurance.urls")),
    path("sla/", include("sla.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/", include("opportunities.urls_api")),
    path("api/v1/", include("assurance.urls_api")),
    path("", include(settings.LISTENER_URLCONF)),  # the peers' listener (served lean by keyaccounts.wsgi)
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
