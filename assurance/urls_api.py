from django.urls import path

from . import api

urlpatterns = [
    path("troubleTicket", api.TroubleTicketListView.as_view(), name="trouble-ticket-list"),
    path("troubleTicket/<str:ticket_id>", api.TroubleTicketDetailView.as_view(), name="trouble-ticket-detail"),
]
