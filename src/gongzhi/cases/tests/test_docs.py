"""docs/cases.md carries the transition table as the code declares it."""

from django.core.management import call_command


def test_cases_doc_is_current():
    call_command("cases_doc", "--check")
