"""Demo consultation data."""


def build(ctx) -> None:
    return None
