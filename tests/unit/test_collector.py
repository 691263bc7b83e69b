"""The collector is off inside a paused block and back as it was after, whatever happens."""

import gc

import pytest

from app.core.collector import collector_paused, without_collector


@pytest.fixture(autouse=True)
def collector_restored():
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_block_runs_without_the_collector_and_restores_it():
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_nested_block_leaves_it_off_until_the_outer_one_ends():
    gc.enable()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_still_restores_it():
    gc.enable()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("refused")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off():
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_the_decorator_pauses_around_the_call_and_returns_its_result():
    gc.enable()
    seen = []

    @without_collector
    def build(value):
        seen.append(gc.isenabled())
        return value * 2

    assert build(21) == 42
    assert seen == [False] and gc.isenabled()
