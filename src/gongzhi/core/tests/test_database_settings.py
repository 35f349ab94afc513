"""How the embedded database is opened."""

import pytest
from django.db.utils import ConnectionHandler

from gongzhi.settings.base import SQLITE_CACHE_KIB, database_from_env


@pytest.mark.django_db
def test_an_sqlite_connection_keeps_64_mib_of_pages(tmp_path, monkeypatch):
    """Counting a special group at 1M people reads 10,000 person rows on as many pages: with
    SQLite's default 2 MiB cache every count read them again (issue 11)."""
    monkeypatch.delenv("GONGZHI_DATABASE_URL", raising=False)
    handler = ConnectionHandler({"default": database_from_env(tmp_path / "cache.sqlite3")})
    connection = handler["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            assert cursor.fetchone()[0] == -SQLITE_CACHE_KIB == -64 * 1024
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
    finally:
        connection.close()
