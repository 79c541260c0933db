from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/details/", views.customer_details_update, name="details"),
    path("<int:pk>/tasks/<int:task_pk>/", views.task_page, name="task"),
    path("<int:pk>/<str:action>/", views.customer_close_or_reopen, name="close_or_reopen"),
]
