from django.urls import path

from . import api

urlpatterns = [path("listener/<str:peer>", api.listener, name="peer-listener")]
