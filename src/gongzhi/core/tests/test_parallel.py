"""produced_elsewhere: a generator run in a forked child, its items and its exceptions handed over in order."""

import os

import pytest

from gongzhi.core import parallel


@pytest.fixture(autouse=True)
def two_cores(monkeypatch):
    monkeypatch.setattr(parallel, "available_cores", lambda: 2)


def pids_and_squares(n):
    for k in range(n):
        yield os.getpid(), k * k


def test_items_arrive_in_order_from_another_process():
    with parallel.produced_elsewhere(lambda: pids_and_squares(500)) as items:
        received = list(items)
    assert [square for _pid, square in received] == [k * k for k in range(500)]
    assert {pid for pid, _square in received} != {os.getpid()}


def test_not_enabled_or_one_core_runs_here(monkeypatch):
    with parallel.produced_elsewhere(lambda: pids_and_squares(3), enabled=False) as items:
        assert {pid for pid, _square in items} == {os.getpid()}
    monkeypatch.setattr(parallel, "available_cores", lambda: 1)
    with parallel.produced_elsewhere(lambda: pids_and_squares(3)) as items:
        assert {pid for pid, _square in items} == {os.getpid()}


class Unreadable(Exception):
    pass


def failing():
    yield 1
    raise Unreadable("找不到表头")


def test_the_producers_exception_is_raised_here_after_the_items_before_it():
    received = []
    with pytest.raises(Unreadable, match="找不到表头"), parallel.produced_elsewhere(failing) as items:
        received.extend(items)
    assert received == [1]


def dying():
    yield 1
    os._exit(3)


def test_a_child_that_dies_gives_a_runtime_error_with_its_exit_code():
    with pytest.raises(RuntimeError, match="exit code 3"), parallel.produced_elsewhere(dying) as items:
        list(items)


def endless():
    k = 0
    while True:
        k += 1
        yield k


def test_leaving_early_stops_the_child():
    with parallel.produced_elsewhere(endless) as items:
        assert next(items) == 1
    # The block has ended: the child was terminated and reaped (no zombie left behind).
    assert not [child for child in __import__("multiprocessing").active_children()]


def slow():
    yield 1
    __import__("time").sleep(60)
    yield 2


def test_a_parents_sigterm_handler_does_not_keep_the_child_alive():
    """A task worker installs a graceful-shutdown SIGTERM handler; the child must still stop at once."""
    import signal
    import time

    previous = signal.signal(signal.SIGTERM, lambda *_args: None)
    try:
        started = time.monotonic()
        with parallel.produced_elsewhere(slow) as items:
            assert next(items) == 1
        assert time.monotonic() - started < 10
    finally:
        signal.signal(signal.SIGTERM, previous)
