"""Producing a stream of work in a second process while this one consumes it.

A large import reads and checks a sheet (pure computation) and plans and writes the rows (the
database). ``produced_elsewhere`` runs the first part in a forked child process and hands its
items to this one as they come, so both cores work at once. Forking shares the parent's memory
(the uploaded bytes, settings, loaded configuration) without copying it; the items travel back
pickled through a pipe, whose capacity keeps the child at most a few items ahead.

The child must be pure computation: it never uses the parent's database connections, caches or
locks (load what it needs before starting it). An exception raised by the producer is raised
here, from the iterator, as the same exception; if the child dies without one, a RuntimeError.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from .isolation import die_with_parent

T = TypeVar("T")
_ITEM, _END, _ERROR = "item", "end", "error"


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """More than one core, fork available, and not inside a daemonic process (which may not have children)."""
    return (available_cores() > 1 and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


@contextlib.contextmanager
def produced_elsewhere(produce: Callable[[], Iterator[T]], *, enabled: bool = True) -> Iterator[Iterator[T]]:
    """The items of ``produce()``, computed in a forked child process (or here when not ``enabled``
    or the machine has one core). Leaving the block early stops the child. From a child, the
    iterator also has ``ready()``: whether the next item is there already (``ready_now``)."""
    if not enabled or not can_fork():
        yield produce()
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_produce_into, args=(produce, sender), daemon=True, name="gongzhi-producer")
    child.start()
    sender.close()  # the child holds its own end: EOF here means it is gone
    try:
        yield _Received(receiver, child)
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


class _Received:
    """The items the child sends, in order; ``ready()`` tells whether the next one has arrived."""

    def __init__(self, receiver, child) -> None:
        self.receiver, self.child = receiver, child
        self.done = False

    def __iter__(self) -> "_Received":
        return self

    def ready(self) -> bool:
        """Whether ``next`` would return (an item, the end or the child's exception) without waiting."""
        try:
            return self.done or self.receiver.poll()
        except (OSError, EOFError):
            return True  # the child is gone: next() says so at once

    def __next__(self) -> T:
        if self.done:
            raise StopIteration
        try:
            kind, value = self.receiver.recv()
        except EOFError:
            self.child.join()
            self.done = True
            raise RuntimeError(
                f"the producing process ended unexpectedly (exit code {self.child.exitcode})") from None
        if kind == _END:
            self.done = True
            raise StopIteration
        if kind == _ERROR:
            self.done = True
            raise value
        return value


def ready_now(items: Iterator[T]) -> bool:
    """Whether ``items`` (from ``produced_elsewhere``) holds its next item without computing or waiting
    for it: only a child's items can say so; computed here, the next one is not there yet."""
    ready = getattr(items, "ready", None)
    return bool(ready is not None and ready())


def _produce_into(produce: Callable[[], Iterator[T]], sender) -> None:
    """In the child: send every item, then the end, or the exception that stopped the producer.

    Items are pickled here and written by a second thread: a write blocks while the parent is
    busy with earlier items, and the producer keeps going meanwhile instead of waiting for it.
    """
    # The parent stops a child it no longer needs with SIGTERM: whatever handler the parent process
    # installed (a task worker's graceful shutdown) must not keep the child going.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # If the parent dies (a job's process killed at its memory limit, a worker killed), so does this
    # child, instead of computing on as an orphan.
    die_with_parent()
    outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    parent_gone = threading.Event()

    def forward() -> None:
        try:
            while (message := outbox.get()) is not None:
                sender.send_bytes(message)
        except OSError:  # the parent closed its end: nobody wants the rest
            parent_gone.set()

    writer = threading.Thread(target=forward, name="gongzhi-producer-pipe", daemon=True)
    writer.start()
    try:
        for item in produce():
            if parent_gone.is_set():
                return
            outbox.put(pickle.dumps((_ITEM, item), pickle.HIGHEST_PROTOCOL))
        outbox.put(pickle.dumps((_END, None)))
    except BaseException as error:  # noqa: BLE001 - handed to the parent, which raises it
        try:
            message = pickle.dumps((_ERROR, error))
        except Exception:  # noqa: BLE001 - an exception that cannot travel is described instead
            message = pickle.dumps((_ERROR, RuntimeError(f"{type(error).__name__}: {error}")))
        outbox.put(message)
    finally:
        outbox.put(None)
        writer.join()
        sender.close()
