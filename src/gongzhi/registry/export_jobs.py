"""Background job kinds of the registry: export_jobs."""
