"""The heartbeat row: written by the active daemon, read by `shopctl status`."""

from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy.engine import Engine

from shopctl.clock import FrozenClock
from shopctl.daemon.heartbeat import Heartbeat, daemon_owner, read_beat


def test_no_heartbeat_before_any_daemon_ran(any_engine: Engine) -> None:
    assert read_beat(any_engine) is None


def test_a_beat_says_who_is_active_and_what_it_does(any_engine: Engine, clock: FrozenClock) -> None:
    owner = daemon_owner()
    beat = Heartbeat(any_engine, owner)
    beat.start(clock.now(), {"state": "starting"})
    started = clock.now()
    clock.advance(timedelta(seconds=5))
    beat.beat(clock.now(), {"state": "running", "rules": 3})
    read = read_beat(any_engine)
    assert read is not None
    assert (read.owner, read.pid, read.started_at) == (owner, os.getpid(), started)
    assert read.beat_at == clock.now() and read.info["rules"] == 3
    assert read.alive(clock.now() + timedelta(seconds=14), timedelta(seconds=5))
    assert not read.alive(clock.now() + timedelta(seconds=16), timedelta(seconds=5))


def test_a_new_daemon_takes_the_row_over(any_engine: Engine, clock: FrozenClock) -> None:
    Heartbeat(any_engine, "old:1:a").start(clock.now(), {})
    Heartbeat(any_engine, "new:2:b").start(clock.now(), {})
    read = read_beat(any_engine)
    assert read is not None and (read.host, read.pid) == ("new", 2)


def test_a_stopped_daemon_is_not_alive(any_engine: Engine, clock: FrozenClock) -> None:
    beat = Heartbeat(any_engine, daemon_owner())
    beat.start(clock.now(), {})
    beat.beat(clock.now(), {"state": "stopped"})
    read = read_beat(any_engine)
    assert read is not None and not read.alive(clock.now(), timedelta(seconds=5))


def test_a_fresh_lease_of_another_daemon_is_not_taken(
    any_engine: Engine, clock: FrozenClock
) -> None:
    info = {"heartbeat_seconds": 5}
    Heartbeat(any_engine, "one:1:a").start(clock.now(), info)
    holder = Heartbeat(any_engine, "two:2:b").take(clock.now() + timedelta(seconds=14), info)
    assert holder is not None and holder.owner == "one:1:a"


def test_a_stale_stopped_or_watched_lease_is_taken(any_engine: Engine, clock: FrozenClock) -> None:
    info = {"heartbeat_seconds": 5}
    one, two = Heartbeat(any_engine, "one:1:a"), Heartbeat(any_engine, "two:2:b")
    one.start(clock.now(), info)
    assert two.take(clock.now() + timedelta(seconds=16), info) is None  # 3 beats missed
    assert not one.beat(clock.now(), info) and not one.ours()  # the lease is lost
    assert two.ours()
    two.beat(clock.now(), {"state": "stopped"})
    assert one.take(clock.now(), info) is None  # a stopped daemon's lease is free
    seen = read_beat(any_engine)
    assert two.take(clock.now(), info, over=seen) is None  # it did not beat while watched
    one.take(clock.now(), info, force=True)
    assert read_beat(any_engine).owner == "one:1:a"  # type: ignore[union-attr]


def test_a_watched_holder_that_beat_keeps_its_lease(any_engine: Engine, clock: FrozenClock) -> None:
    info = {"heartbeat_seconds": 5}
    one = Heartbeat(any_engine, "one:1:a")
    one.start(clock.now(), info)
    seen = read_beat(any_engine)
    clock.advance(timedelta(seconds=1))
    assert one.beat(clock.now(), info)
    holder = Heartbeat(any_engine, "two:2:b").take(clock.now(), info, over=seen)
    assert holder is not None and holder.owner == "one:1:a"
