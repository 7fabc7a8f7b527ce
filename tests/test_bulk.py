"""``kernel.bulk``: the garbage collector paused for bulk work, and turned back on after it."""
from __future__ import annotations

import gc
import threading

import pytest

from kernel.bulk import collection_paused


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_the_collector_is_off_during_the_work_and_on_after_it_even_when_the_work_fails():
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("the import failed")
    assert gc.isenabled()


def test_nested_and_overlapping_pauses_turn_it_back_on_when_the_last_one_ends():
    with collection_paused():
        with collection_paused():
            pass
        assert not gc.isenabled()  # the outer work still runs
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def other_import():
        with collection_paused():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=other_import)
    worker.start()
    inside.wait(5)
    with collection_paused():
        pass
    assert not gc.isenabled()  # the other thread's import is still running
    release.set()
    worker.join(5)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()
