from django.urls import path

from . import report_views, views

app_name = "assurance"
urlpatterns = [
    path("customers/<int:customer_pk>/report/", views.report, name="report"),
    path("tickets/<int:pk>/", views.ticket_detail, name="detail"),
    path("tickets/<int:pk>/notes/", views.note_add, name="note_add"),
    path("tickets/<int:pk>/level/", views.level_change, name="level_change"),
    path("tickets/<int:pk>/tasks/<int:task_pk>/", views.task_page, name="task"),
]

# Planned work, the monthly SLA report and the supervisors' availability view.
urlpatterns += [
    path("planned/", report_views.planned_list, name="planned_list"),
    path("planned/new/", report_views.planned_new, name="planned_new"),
    path("planned/<int:pk>/", report_views.planned_detail, name="planned_detail"),
    path("customers/<int:customer_pk>/sla-report/", report_views.sla_report, name="sla_report"),
    path("availability/", report_views.availability_overview, name="availability"),
]
