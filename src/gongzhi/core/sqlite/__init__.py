"""Django's SQLite backend with a faster reading of date-times (``ENGINE = gongzhi.core.sqlite``)."""
