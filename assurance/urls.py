from django.urls import path

from . import views

app_name = "assurance"
urlpatterns = [
    path("customers/<int:customer_pk>/report/", views.report, name="report"),
    path("tickets/<int:pk>/", views.ticket_detail, name="detail"),
    path("tickets/<int:pk>/notes/", views.note_add, name="note_add"),
    path("tickets/<int:pk>/level/", views.level_change, name="level_change"),
    path("tickets/<int:pk>/tasks/<int:task_pk>/", views.task_page, name="task"),
    path("tickets/<int:pk>/pending/", views.pending_set, name="pending_set"),
    path("tickets/<int:pk>/pending/end/", views.pending_end, name="pending_end"),
    path("tickets/<int:pk>/pause/end/", views.pause_end, name="pause_end"),
]
