from django.urls import path

from . import api

urlpatterns = [path("listener/<str:peer>", api.ListenerView.as_view(), name="peer-listener")]
