"""The step launcher's pool of spares (step_launcher.py, _SparePool): when it forks the next spare.

The launcher is imported as a module (it runs only as `python -c`'s __main__); the pool's clock is
replaced, so these tests say what happens at which moment without waiting for it."""

import importlib.util
import os

import pytest

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "step_launcher.py")


class _Clock:
    """The launcher's `time` module as the pool uses it: a monotonic clock the test moves."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


@pytest.fixture
def clock():
    return _Clock()


@pytest.fixture
def launcher(monkeypatch, clock):
    spec = importlib.util.spec_from_file_location("cellpipe_step_launcher_under_test", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "time", clock)
    monkeypatch.setattr(module, "_CORES", 2)
    module._runtime_stamp = ("/run/data/_cellpipe/cellpipe_runtime.py", 1, 1)  # the run's runtime is imported
    return module


class _StandInSpare:
    """A spare as the pool sees it, in a given state (its pipes are not needed here)."""

    def __init__(self, state="ready"):
        self.state, self.closed = state, False

    def poll(self):
        return self.state

    def close(self):
        self.closed = True

    def launcher_fds(self):
        return ()


def test_a_chain_gets_its_spare_at_once(launcher):
    pool = launcher._SparePool()
    pool.forked()  # the chain's step
    pool.want(1)
    assert pool.delay() == 0
    pool.add(_StandInSpare("warming"))
    assert pool.delay() is None  # one wanted, one warming


def test_after_as_many_steps_as_cores_the_spares_wait_for_their_start(launcher, clock):
    pool = launcher._SparePool()
    for _ in range(4):  # four branches' first steps, forked together
        pool.forked()
        clock.now += 0.001
    pool.want(4)
    # The last two steps were forked 1 and 2 ms ago: the second-to-last is starting for 18 ms more.
    assert pool.delay() == pytest.approx(launcher._STARTING_SECONDS - 0.002)
    clock.now += launcher._STARTING_SECONDS - 0.002
    assert pool.delay() == 0
    for _ in range(4):  # then all four, one after the other: spares are not counted as starting steps
        assert pool.delay() == 0
        pool.add(_StandInSpare("warming"))
    assert pool.delay() is None


def test_steps_handed_to_spares_do_not_hold_back_the_next_spares(launcher):
    pool = launcher._SparePool()
    pool.want(2)
    pool.add(_StandInSpare())
    pool.add(_StandInSpare())
    for _ in range(2):
        assert pool.take() is not None  # no fork: nothing recorded as starting
    assert pool.delay() == 0


def test_takes_only_a_ready_spare_and_drops_the_gone(launcher):
    pool = launcher._SparePool()
    pool.want(3)
    warming, gone, ready = _StandInSpare("warming"), _StandInSpare("gone"), _StandInSpare("ready")
    for spare in (warming, gone, ready):
        pool.add(spare)
    assert pool.take() is ready
    assert gone.closed and pool.spares == [warming]
    assert pool.take() is None  # a spare still warming is not waited for


def test_fewer_wanted_lets_the_surplus_go_and_none_stops_forking(launcher):
    pool = launcher._SparePool()
    pool.want(3)
    spares = [_StandInSpare() for _ in range(3)]
    for spare in spares:
        pool.add(spare)
    pool.want(1)
    assert [s.closed for s in spares] == [False, True, True]
    pool.want(0)
    assert spares[0].closed and pool.delay() is None


def test_keeps_at_most_its_bound_and_none_before_the_runtime_is_imported(launcher):
    pool = launcher._SparePool()
    pool.want(1000)
    assert pool.wanted == launcher._MAX_SPARES
    launcher._runtime_stamp = None  # a spare would lack the run's runtime
    assert pool.delay() is None
