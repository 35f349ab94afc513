from .views import layers

app_name = "basemap"
urlpatterns = [*layers.urls]
