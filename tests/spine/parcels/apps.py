from django.apps import AppConfig


class ParcelsConfig(AppConfig):
    """A throw-away app for tests/spine/test_plugins.py: everything it brings is in its plugin.py."""

    name = "tests.spine.parcels"
    label = "spine_parcels"
    default_auto_field = "django.db.models.BigAutoField"
