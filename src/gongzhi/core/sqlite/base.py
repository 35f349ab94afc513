"""Django's SQLite backend, with the stored date-times made aware the short way.

SQLite keeps a date-time as UTC text; the ``sqlite3`` module parses it (Django's registered
converter), and Django's ``convert_datetimefield_value`` then checks it and calls ``make_aware``
for every value: ≈ 2.8 µs a value, 0.19 s of the case statistics at 1,000,000 cases (68,000
values). A naive value read back from SQLite is UTC (``connection.timezone``), so setting its
``tzinfo`` is the whole work: ≈ 1.4 µs.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def convert_datetimefield_value(self, value, expression, connection):
        if value.__class__ is dt.datetime and value.tzinfo is None and settings.USE_TZ:
            return value.replace(tzinfo=self.connection.timezone)
        return super().convert_datetimefield_value(value, expression, connection)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
