from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("reveal/", views.reveal, name="reveal"),
]
