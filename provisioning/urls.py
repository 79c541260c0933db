from django.urls import path

from keyaccounts.peers import views as peers_views

from . import views

app_name = "provisioning"
urlpatterns = [
    path("dead-letters/", peers_views.dead_letters, name="dead_letters"),
    path("dead-letters/<int:pk>/retry/", peers_views.dead_letter_retry, name="dead_letter_retry"),
    path("si/", views.si_portal, name="si_portal"),
    path("questions/<int:pk>/", views.information_request, name="information_request"),
    path("orders/<int:pk>/tasks/<int:task_pk>/", views.launch_task, name="launch_task"),
    path("si/<int:pk>/", views.si_work_order, name="si_work_order"),
]
