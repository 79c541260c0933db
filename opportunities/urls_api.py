from django.urls import path

from . import api

urlpatterns = [
    path("salesOpportunity", api.OpportunityIntakeView.as_view(), name="opportunity-intake"),
    path("salesOpportunity/<str:external_id>", api.OpportunityStatusView.as_view(), name="opportunity-status"),
]
