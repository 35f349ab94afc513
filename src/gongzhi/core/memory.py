"""Memory management for bulk work: pausing Python's cyclic garbage collector.

A bulk job (importing 100,000 residents) builds hundreds of thousands of objects that all stay
alive until it ends. Each of them counts towards the collector's next run, and every run of the
oldest generation walks all of them again: a third of an import's time went to collections that
found nothing to free. The objects of such a job form no reference cycles worth collecting
before it ends, so the collector is paused for its duration and run once afterwards.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Run the body with the cyclic collector paused, then collect once; nesting is harmless.

    Reference counting still frees every object that is not part of a cycle as usual.
    """
    if not gc.isenabled():  # an outer paused_gc (or the caller) has paused it already
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()
