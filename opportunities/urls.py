from django.urls import path

from . import views

app_name = "opportunities"
urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("new/", views.opportunity_create, name="create"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("<int:pk>/", views.opportunity_detail, name="detail"),
    path("<int:pk>/tasks/<int:task_pk>/", views.task_page, name="task"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]
