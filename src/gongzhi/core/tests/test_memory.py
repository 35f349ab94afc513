"""paused_gc: the cyclic collector is off inside, back on (and run) after, even on errors."""

import gc

import pytest

from gongzhi.core.memory import paused_gc


def test_collector_is_paused_inside_and_restored_after_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_nested_pause_leaves_the_outer_one_in_charge_and_cycles_are_freed_after():
    class Node:
        pass

    with paused_gc():
        with paused_gc():
            pass
        assert not gc.isenabled()  # the inner block did not switch it back on
        node = Node()
        node.self = node
        del node
        before = sum(isinstance(obj, Node) for obj in gc.get_objects())
        assert before == 1  # a cycle is not freed while the collector is paused
    assert gc.isenabled()
    assert not any(isinstance(obj, Node) for obj in gc.get_objects())
