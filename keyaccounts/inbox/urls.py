"""The inbox's pages, at the site's root (no namespace: pages and tests name them `inbox`, `home`, `process`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/bulk/", views.inbox_bulk_action, name="inbox_bulk"),
    path("inbox/filters/", views.inbox_filter_save, name="inbox_filter_save"),
    path("inbox/filters/<int:pk>/delete/", views.inbox_filter_delete, name="inbox_filter_delete"),
    path("inbox/<int:task_pk>/menu/", views.inbox_menu, name="inbox_menu"),
    path("inbox/<int:task_pk>/<str:action>/", views.inbox_action, name="inbox_action"),
    path("processes/<int:process_pk>/", views.process_detail, name="process"),
]
