from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("dashboard/overdue/", views.overdue, name="overdue"),
]
