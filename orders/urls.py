from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_new, name="new"),
    path("customers/<int:customer_pk>/billing-accounts/new/", views.billing_account_new, name="billing_account_new"),
    path("services/<int:service_pk>/<str:action>/", views.service_change, name="service_change"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/edit/", views.order_edit, name="edit"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/cancellation/", views.order_cancellation, name="cancellation"),
    path("<int:pk>/tasks/<int:task_pk>/", views.task_page, name="task"),
]
