from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("console/", views.console, name="console"),
    path("m/", views.mobile_home, name="mobile_home"),
]
