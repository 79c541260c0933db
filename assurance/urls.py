from django.urls import path

from . import incident_views, report_views, views

app_name = "assurance"
urlpatterns = [
    path("customers/<int:customer_pk>/report/", views.report, name="report"),
    path("tickets/<int:pk>/", views.ticket_detail, name="detail"),
    path("tickets/<int:pk>/notes/", views.note_add, name="note_add"),
    path("tickets/<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("tickets/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("tickets/<int:pk>/level/", views.level_change, name="level_change"),
    path("tickets/<int:pk>/tasks/<int:task_pk>/", views.task_page, name="task"),
    # satisfaction survey and the assurance figures' tickets
    path("survey/<str:token>/", views.survey_page, name="survey"),
    path("tickets/<int:pk>/follow-up/<int:task_pk>/", views.follow_up_page, name="follow_up"),
    path("tickets/", views.ticket_list, name="tickets"),
    # network incidents
    path("incidents/", incident_views.incident_list, name="incidents"),
    path("incidents/<int:pk>/", incident_views.incident_detail, name="incident"),
    path("incidents/<int:pk>/resolve/", incident_views.incident_resolve, name="incident_resolve"),
    # ---- the SI portal's complaint orders
    path("si/", views.si_complaints, name="si_complaints"),
    path("si/<int:pk>/", views.si_complaint, name="si_complaint"),
    path("tickets/<int:pk>/pending/", views.pending_set, name="pending_set"),
    path("tickets/<int:pk>/pending/end/", views.pending_end, name="pending_end"),
    path("tickets/<int:pk>/pause/end/", views.pause_end, name="pause_end"),
]

# Planned work, the monthly SLA report and the supervisors' availability view.
urlpatterns += [
    path("planned/", report_views.planned_list, name="planned_list"),
    path("planned/new/", report_views.planned_new, name="planned_new"),
    path("planned/<int:pk>/", report_views.planned_detail, name="planned_detail"),
    path("customers/<int:customer_pk>/sla-report/", report_views.sla_report, name="sla_report"),
    path("availability/", report_views.availability_overview, name="availability"),
]
