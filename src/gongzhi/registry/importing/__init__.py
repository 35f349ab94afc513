"""Importing residents from spreadsheets: read, validate, write chunk by chunk, report.

``engine.import_residents`` is the entry point for the command line, and later for the upload
page and its background task (which pass a ``progress`` callback).
"""
