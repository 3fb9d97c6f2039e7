"""The action ledger on SQLite and PostgreSQL: unique keys, leases, one claim winner."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from shopctl.engine import ledger
from shopctl.engine.ledger import NewIntent, SlotTakenError
from shopctl.plugins import load_plugins
from shopctl.store.engine import open_store

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = open_store(store_url, load_plugins(allowed=set()).registry)
    yield engine
    engine.dispose()


def intent(key: str, entity_id: str = "ag1", **more: object) -> NewIntent:
    return NewIntent(key, "shop", entity_id, "pause", {}, **more)  # type: ignore[arg-type]


def open_run(engine: Engine, *planned: NewIntent, slot: str | None = None) -> int:
    return ledger.open_run(
        engine,
        rule="pause-low-roi",
        entity_type="ad_group",
        slot=slot,
        trigger="manual",
        at=NOW,
        now=NOW,
        dry_run=False,
        planned=list(planned),
    )


def test_a_run_and_its_intents_are_written_together(engine: Engine) -> None:
    run_id = open_run(engine, intent("k1"), intent("k2", "ag2"))
    written = ledger.run_intents(engine, run_id)
    assert [(i.key, i.entity_id, i.status, i.attempts) for i in written] == [
        ("k1", "ag1", "planned", 0),
        ("k2", "ag2", "planned", 0),
    ]
    assert written[0].created_at == NOW


def test_a_key_already_in_the_ledger_is_never_written_twice(engine: Engine) -> None:
    first = open_run(engine, intent("k1"))
    second = open_run(engine, intent("k1"), intent("k2", "ag2"))
    assert [i.key for i in ledger.run_intents(engine, first)] == ["k1"]
    assert [i.key for i in ledger.run_intents(engine, second)] == ["k2"]
    with engine.connect() as conn:
        assert ledger.known_keys(conn, ["k1", "k2", "k3"]) == {"k1": "planned", "k2": "planned"}


def test_a_taken_slot_names_the_run_that_holds_it(engine: Engine) -> None:
    holder = open_run(engine, intent("k1"), slot="2026-03-02")
    with pytest.raises(SlotTakenError) as taken:
        open_run(engine, intent("k2"), slot="2026-03-02")
    assert taken.value.run_id == holder
    assert ledger.run_intents(engine, holder)[0].key == "k1"
    assert ledger.claimable(engine, NOW) == ledger.run_intents(engine, holder)  # k2 rolled back


def test_a_failure_inside_the_transaction_leaves_neither_run_nor_intents(engine: Engine) -> None:
    def crash() -> None:
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        ledger.open_run(
            engine,
            rule="r",
            entity_type="ad_group",
            slot="s",
            trigger="schedule",
            at=NOW,
            now=NOW,
            dry_run=False,
            planned=[intent("k1")],
            on_run_inserted=crash,
        )
    assert ledger.slot_run(engine, "r", "s") is None
    assert ledger.claimable(engine, NOW) == []


def test_two_executors_racing_for_each_intent_never_both_win(engine: Engine) -> None:
    run_id = open_run(engine, *(intent(f"k{i}", f"ag{i}") for i in range(20)))
    pending = ledger.run_intents(engine, run_id)
    wins: dict[str, list[int]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def executor(owner: str) -> None:
        for item in pending:
            barrier.wait()
            if ledger.claim(engine, item, owner, NOW, NOW + LEASE):
                wins[owner].append(item.id)

    threads = [threading.Thread(target=executor, args=(o,)) for o in wins]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins["a"] + wins["b"]) == [i.id for i in pending]
    assert not set(wins["a"]) & set(wins["b"])


def test_a_live_lease_is_not_claimable_an_expired_one_is(engine: Engine) -> None:
    run_id = open_run(engine, intent("k1"))
    (item,) = ledger.run_intents(engine, run_id)
    assert ledger.claim(engine, item, "a", NOW, NOW + LEASE)
    assert ledger.claimable(engine, NOW + timedelta(minutes=4)) == []
    (expired,) = ledger.claimable(engine, NOW + timedelta(minutes=6))
    assert (expired.status, expired.lease_owner) == ("claimed", "a")
    assert not ledger.claim(engine, item, "b", NOW + timedelta(minutes=6), NOW + LEASE * 3)
    assert ledger.claim(engine, expired, "b", NOW + timedelta(minutes=6), NOW + LEASE * 3)
    # The first owner lost its lease: it can no longer record an outcome.
    assert not ledger.record(engine, item.id, "a", NOW, status="done")
    assert ledger.record(engine, item.id, "b", NOW, status="done", reference="r1")
    (done,) = ledger.run_intents(engine, run_id)
    assert (done.status, done.reference, done.lease_owner) == ("done", "r1", None)


def test_a_deferred_intent_waits_until_its_time(engine: Engine) -> None:
    later = NOW + timedelta(hours=10)
    open_run(engine, intent("k1", status="deferred", not_before=later))
    assert ledger.claimable(engine, NOW) == []
    (due,) = ledger.claimable(engine, later)
    assert due.not_before == later


def test_released_intents_return_to_their_old_status(engine: Engine) -> None:
    run_id = open_run(engine, intent("k1"))
    (item,) = ledger.run_intents(engine, run_id)
    assert ledger.claim(engine, item, "a", NOW, NOW + LEASE)
    assert ledger.start_attempt(engine, item.id, "a", NOW)
    assert not ledger.start_attempt(engine, item.id, "b", NOW)
    ledger.release(engine, item, "a", NOW)
    (back,) = ledger.run_intents(engine, run_id)
    assert (back.status, back.lease_owner, back.attempts) == ("planned", None, 1)
