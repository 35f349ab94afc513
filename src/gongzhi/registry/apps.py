from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "gongzhi.registry"
    label = "registry"
    verbose_name = _("社区全息档案")

    def ready(self) -> None:
        from . import export_jobs, import_jobs  # noqa: F401  (they register their background job kinds)

        from django.db.models.signals import post_delete, post_save

        from gongzhi.areas.models import Area
        from gongzhi.core.schedule import periodic

        from .forms import forget_choices
        from .models import SpecialGroup

        for model in (Area, SpecialGroup):  # the filter bars' cached options
            post_save.connect(forget_choices, sender=model, dispatch_uid=f"registry-choices-save-{model.__name__}")
            post_delete.connect(forget_choices, sender=model, dispatch_uid=f"registry-choices-delete-{model.__name__}")

        from .summaries import REFRESH_EVERY
        from .fulltext import FLUSH_EVERY
        from .tasks import index_new_persons, refresh_population_summaries

        # The statistics page reads these figures; they say when they were computed.
        periodic("registry.refresh_population_summaries", refresh_population_summaries, every=REFRESH_EVERY)
        # Persons added one at a time (forms, move-ins) are searchable at once, by a scan of the few
        # not yet indexed; the clock indexes them for the trigram search.
        periodic("registry.index_new_persons", index_new_persons, every=FLUSH_EVERY)
