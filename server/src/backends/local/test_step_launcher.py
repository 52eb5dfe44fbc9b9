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


# -- requests held until another step ends ("after")


def _wait_status(code=None, signal_number=None):
    """A wait status as os.waitpid returns it: exited with `code`, or killed by `signal_number`."""
    return signal_number if signal_number is not None else code << 8


def _after(request_id, result):
    return {"id": request_id, "result": str(result)}


def test_a_held_request_waits_while_its_step_runs_then_starts_only_after_a_success(launcher, tmp_path):
    record = tmp_path / ".step.json"
    launcher._children[4242] = 7
    assert launcher._succeeded(_after(7, record)) is None  # still running
    del launcher._children[4242]
    launcher._ended[7] = _wait_status(code=0)
    assert launcher._succeeded(_after(7, record)) is False  # status 0 without the runtime's record
    record.write_text('{"status": "Failed"}')
    assert launcher._succeeded(_after(7, record)) is False
    record.write_text("not json")
    assert launcher._succeeded(_after(7, record)) is False
    record.write_text('{"status": "Succeeded"}')
    assert launcher._succeeded(_after(7, record)) is True


@pytest.mark.parametrize("status", [_wait_status(code=1), _wait_status(signal_number=15)])
def test_a_held_request_is_dropped_after_a_failure_or_a_kill(launcher, tmp_path, status):
    record = tmp_path / ".step.json"
    record.write_text('{"status": "Succeeded"}')  # written before the process failed or was killed
    launcher._ended[7] = status
    assert launcher._succeeded(_after(7, record)) is False


def test_a_request_held_for_a_step_this_launcher_never_started_is_dropped(launcher, tmp_path):
    assert launcher._succeeded(_after(99, tmp_path / ".step.json")) is False


def test_held_requests_come_out_in_order_once_their_step_ended(launcher, tmp_path):
    launcher._children.update({101: 1, 102: 2})
    held = [{"id": 3, "after": _after(1, tmp_path / "a")}, {"id": 4, "after": _after(2, tmp_path / "b")}]
    launcher._held.extend(held)
    assert launcher._due_held() == []
    del launcher._children[102]
    launcher._ended[2] = _wait_status(code=1)
    assert launcher._due_held() == [held[1]]
    assert launcher._held == [held[0]]
