"""Backup and restore of a Gongzhi installation (``./gz manage backup`` / ``restore``).

``archive`` makes and restores the archive, ``database`` snapshots and restores the database,
``running`` tells whether the platform is running on the data. Nothing is imported here: the
pid-file helper of ``running`` is used before Django's apps are ready (``gongzhi/__main__.py``).
"""
