from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "gongzhi.registry"
    label = "registry"
    verbose_name = _("社区全息档案")

    def ready(self) -> None:
        from . import export_jobs, import_jobs  # noqa: F401  (they register their background job kinds)

        from gongzhi.core.schedule import periodic

        from .summaries import REFRESH_EVERY
        from .fulltext import FLUSH_EVERY
        from .tasks import index_new_persons, refresh_population_summaries

        # The statistics page reads these figures; they say when they were computed.
        periodic("registry.refresh_population_summaries", refresh_population_summaries, every=REFRESH_EVERY)
        # Persons added one at a time (forms, move-ins) are searchable at once, by a scan of the few
        # not yet indexed; the clock indexes them for the trigram search.
        periodic("registry.index_new_persons", index_new_persons, every=FLUSH_EVERY)
