"""Background job kinds of the registry: import_jobs."""
