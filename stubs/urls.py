from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz),
    path("<str:peer>/hub", views.hub),
    path("<str:peer>/hub/<int:pk>", views.hub_delete),
    path("<str:peer>/faults", views.faults),
    path("<str:peer>/stats", views.stats),
    path("<str:peer>/performanceMeasurement", views.performance_measurements),
    path("<str:peer>/<str:kind>", views.resource_create),
    path("<str:peer>/<str:kind>/<int:pk>", views.resource_detail),
]
