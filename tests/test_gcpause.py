"""The counted pause of the cycle collector (reportgen/gcpause.py)."""

from __future__ import annotations

import gc
import threading

from reportgen.gcpause import collector_paused


def test_nested_and_threaded_pauses_end_with_the_collector_running() -> None:
    assert gc.isenabled()
    inside = threading.Event()
    release = threading.Event()

    def reader() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    other = threading.Thread(target=reader)
    with collector_paused():
        other.start()
        inside.wait(5)
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread still reads
    release.set()
    other.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_inside_still_ends_the_pause() -> None:
    try:
        with collector_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()
