"""The executor: retries, one bad entity, timeouts, and resuming after a crash (SPEC §9)."""

import threading
from datetime import timedelta
from typing import Any

import pytest

from shopctl import AmbiguousError, FrozenClock, Message, PermanentError, TransientError
from shopctl.engine import ledger
from shopctl.engine.executor import execute_pending
from shopctl.engine.keys import intent_key
from shopctl.project import Project

LEASE = timedelta(minutes=5)


@pytest.fixture
def acting_store(sqlite_url: str) -> str:
    """The executor's SQL is the ledger's, tested on both databases in test_ledger.py."""
    return sqlite_url


Outbox = list[tuple[str, Message]]


def plan(project: Project, *actions: tuple[str, str, dict[str, Any]], on: str = "ad_group") -> int:
    """Write a run whose intents are `(entity id, action, args)`; the run id."""
    now = project.clock.now()
    planned = [
        ledger.NewIntent(
            intent_key("test", on, "shop", entity_id, action, args, "p"),
            "shop",
            entity_id,
            action,
            args,
        )
        for entity_id, action, args in actions
    ]
    return ledger.open_run(
        project.engine,
        rule="test",
        entity_type=on,
        slot=None,
        trigger="manual",
        at=now,
        now=now,
        dry_run=False,
        planned=planned,
    )


def ledger_of(project: Project, run_id: int) -> dict[str, ledger.Intent]:
    return {i.entity_id: i for i in ledger.run_intents(project.engine, run_id)}


def crash_after_starting(project: Project, run_id: int, clock: FrozenClock) -> None:
    """An executor claimed every intent, started its call, and died; the lease runs out."""
    now = clock.now()
    for item in ledger.run_intents(project.engine, run_id):
        assert ledger.claim(project.engine, item, "dead", now, now + LEASE)
        assert ledger.start_attempt(project.engine, item.id, "dead", now)
    clock.advance(LEASE + timedelta(seconds=1))


def test_a_platform_failing_transiently_twice_ends_done_after_retries(
    acting_project, counting_shop, clock
) -> None:
    project = acting_project()
    counting_shop.script[("set_bid", "ag1")] = [TransientError("503"), TransientError("429")]
    run_id = plan(project, ("ag1", "set_bid", {"bid": 0.5}))
    started = clock.now()
    report = execute_pending(project, owner="x")
    item = ledger_of(project, run_id)["ag1"]
    assert (item.status, item.attempts, item.last_error) == ("done", 3, None)
    assert item.before == {"bid": 1.0} and item.after == {"bid": 0.5}
    assert (
        counting_shop.count("set_bid") == 1
        and counting_shop.records["ad_group"]["ag1"]["bid"] == 0.5
    )
    assert clock.now() - started == timedelta(seconds=3)  # backoff 1 s then 2 s, frozen
    assert report.count("done") == 1


def test_transient_errors_give_up_after_bounded_attempts(acting_project, counting_shop) -> None:
    project = acting_project()
    counting_shop.script[("set_bid", "ag1")] = [TransientError("503")] * 10
    run_id = plan(project, ("ag1", "set_bid", {"bid": 0.5}))
    execute_pending(project, owner="x")
    item = ledger_of(project, run_id)["ag1"]
    assert (item.status, item.attempts) == ("failed", 4)
    assert item.last_error == "TransientError: 503"
    assert counting_shop.count("set_bid") == 0


def test_one_entity_failing_permanently_leaves_the_others_done(
    acting_project, counting_shop
) -> None:
    project = acting_project()
    counting_shop.script[("set_bid", "ag2")] = [PermanentError("bid below the minimum")]
    run_id = plan(project, *((f"ag{i}", "set_bid", {"bid": 0.5}) for i in (1, 2, 3)))
    execute_pending(project, owner="x")
    items = ledger_of(project, run_id)
    assert {k: v.status for k, v in items.items()} == {
        "ag1": "done",
        "ag2": "failed",
        "ag3": "done",
    }
    assert items["ag2"].attempts == 1  # a permanent error is not retried
    assert items["ag2"].last_error == "PermanentError: bid below the minimum"


def test_a_keyless_action_interrupted_mid_call_is_not_resent_but_alerted(
    acting_project, counting_shop, clock, outbox: Outbox
) -> None:
    project = acting_project()
    run_id = plan(project, ("ag1", "boost", {}))
    crash_after_starting(project, run_id, clock)
    execute_pending(project, owner="restarted")
    item = ledger_of(project, run_id)["ag1"]
    assert item.status == "unknown" and "not resent" in item.last_error
    assert counting_shop.count("boost") == 0  # never blindly resent
    ((channel, alert),) = outbox
    assert channel == "ops" and "boost on ad_group ag1" in alert.text
    assert alert.recipients == ("team@example.com",)


def test_a_key_aware_action_interrupted_is_retried_with_its_key_and_happens_once(
    acting_project, counting_shop, clock
) -> None:
    project = acting_project()
    run_id = plan(project, ("c1", "grant", {"amount": 50}), on="customer")
    item = ledger_of(project, run_id)["c1"]
    # The dead executor's call reached the platform before it died.
    project.platform("shop").perform(_request(item))
    crash_after_starting(project, run_id, clock)
    execute_pending(project, owner="restarted")
    resumed = ledger_of(project, run_id)["c1"]
    assert (resumed.status, resumed.attempts) == ("done", 2)
    assert [e[2] for e in counting_shop.effects] == [item.key]  # one effect, under the same key


def test_an_interrupted_action_is_reconciled_when_the_platform_can_look_it_up(
    acting_project, counting_shop, clock
) -> None:
    project = acting_project(plugin="counting_lookup")
    run_id = plan(project, ("ag1", "boost", {}), ("ag2", "boost", {}))
    happened = ledger_of(project, run_id)["ag1"]
    project.platform("shop").perform(_request(happened))  # ag1's call went through
    crash_after_starting(project, run_id, clock)
    execute_pending(project, owner="restarted")
    items = ledger_of(project, run_id)
    assert (items["ag1"].status, items["ag1"].reference) == ("done", "found")
    assert items["ag2"].status == "done"  # lookup says it never happened: safe to send
    assert counting_shop.count("boost", "ag1") == 1 and counting_shop.count("boost", "ag2") == 1


def test_a_lookup_that_fails_leaves_the_interrupted_action_unknown(
    acting_project, counting_shop, clock, outbox: Outbox
) -> None:
    project = acting_project(plugin="counting_lookup")
    run_id = plan(project, ("ag1", "boost", {}))
    counting_shop.script[("lookup", "ag1")] = [TransientError("lookup API down")]
    crash_after_starting(project, run_id, clock)
    execute_pending(project, owner="restarted")
    assert ledger_of(project, run_id)["ag1"].status == "unknown"
    assert counting_shop.count("boost") == 0 and len(outbox) == 1


def test_a_claimed_intent_whose_call_never_started_is_simply_executed(
    acting_project, counting_shop, clock
) -> None:
    project = acting_project()
    run_id = plan(project, ("ag1", "boost", {}))
    (item,) = ledger.run_intents(project.engine, run_id)
    assert ledger.claim(project.engine, item, "dead", clock.now(), clock.now() + LEASE)
    clock.advance(LEASE * 2)
    execute_pending(project, owner="restarted")
    assert ledger_of(project, run_id)["ag1"].status == "done"
    assert counting_shop.count("boost") == 1


def test_a_call_that_times_out_is_unknown_unless_it_is_safe_to_repeat(
    acting_project, counting_shop, outbox: Outbox
) -> None:
    project = acting_project()
    counting_shop.script[("boost", "ag1")] = ["hang"]
    counting_shop.script[("pause", "ag2")] = ["hang"]
    run_id = plan(project, ("ag1", "boost", {}), ("ag2", "pause", {}))
    execute_pending(project, owner="x", call_timeout=0.2)
    items = ledger_of(project, run_id)
    assert items["ag1"].status == "unknown" and "no answer within 0.2s" in items["ag1"].last_error
    assert (items["ag2"].status, items["ag2"].attempts) == ("done", 2)  # idempotent: retried
    assert len(outbox) == 1 and "ag1" in outbox[0][1].text


def test_an_ambiguous_answer_is_unknown_for_a_keyless_action(acting_project, counting_shop) -> None:
    project = acting_project()
    counting_shop.script[("boost", "ag1")] = [AmbiguousError("connection reset after sending")]
    run_id = plan(project, ("ag1", "boost", {}))
    execute_pending(project, owner="x")
    assert ledger_of(project, run_id)["ag1"].status == "unknown"
    assert counting_shop.count("boost") == 1  # it did happen, once, and was not resent


def test_an_ambiguous_answer_is_reconciled_by_lookup(acting_project, counting_shop) -> None:
    project = acting_project(plugin="counting_lookup")
    counting_shop.script[("boost", "ag1")] = [AmbiguousError("connection reset after sending")]
    run_id = plan(project, ("ag1", "boost", {}))
    execute_pending(project, owner="x")
    assert ledger_of(project, run_id)["ag1"].status == "done"
    assert counting_shop.count("boost") == 1


def test_a_set_stop_event_leaves_the_intents_for_later(acting_project, counting_shop) -> None:
    project = acting_project()
    run_id = plan(project, ("ag1", "boost", {}), ("ag2", "boost", {}))
    stop = threading.Event()
    stop.set()
    report = execute_pending(project, owner="x", stop=stop)
    assert report.interrupted and report.statuses == {}
    assert {i.status for i in ledger.run_intents(project.engine, run_id)} == {"planned"}
    execute_pending(project, owner="y")
    assert counting_shop.count("boost") == 2


def test_only_the_given_run_is_executed(acting_project, counting_shop) -> None:
    project = acting_project()
    first = plan(project, ("ag1", "boost", {}))
    plan(project, ("ag2", "boost", {}))
    execute_pending(project, owner="x", run_id=first)
    assert counting_shop.count("boost", "ag1") == 1 and counting_shop.count("boost", "ag2") == 0


def test_core_actions_notify_message_and_tag(acting_project, outbox: Outbox) -> None:
    project = acting_project()
    run_id = plan(
        project,
        ("c1", "message", {"channel": "mail", "text": "积分即将过期"}),
        ("c2", "tag", {"name": "vip"}),
        ("c1", "notify", {"channel": "ops", "text": "c1 messaged"}),
        on="customer",
    )
    execute_pending(project, owner="x")
    assert [i.status for i in ledger.run_intents(project.engine, run_id)] == ["done"] * 3
    (to_customer, to_team) = [m for _, m in outbox]
    assert to_customer.recipients == ("li@example.com",) and to_customer.customer_facing
    assert to_customer.text == "积分即将过期" and to_customer.key.startswith("sk1-")
    assert to_team.recipients == ("team@example.com",) and not to_team.customer_facing
    tagged = ledger_of(project, run_id)["c2"]
    assert (tagged.before, tagged.after) == ({"labels": []}, {"labels": ["vip"]})


def test_a_message_to_a_customer_without_an_address_fails(acting_project, counting_shop) -> None:
    counting_shop.records["customer"]["c2"]["email"] = None
    project = acting_project()
    run_id = plan(project, ("c2", "message", {"channel": "mail", "text": "hi"}), on="customer")
    execute_pending(project, owner="x")
    item = ledger_of(project, run_id)["c2"]
    assert item.status == "failed" and "has no customer email" in item.last_error


def _request(item: ledger.Intent) -> Any:
    from shopctl.platform import ActionRequest

    return ActionRequest(item.action, item.entity_type, item.entity_id, {}, item.args, item.key)


def test_secrets_in_plugin_errors_never_reach_the_ledger(
    acting_project, counting_shop, monkeypatch
) -> None:
    monkeypatch.setenv("SHOP_TOKEN", "tok-9f8e7d")
    account = {"plugin": "counting", "shop": "main", "token": "${SHOP_TOKEN}"}
    project = acting_project(accounts={"shop": account})
    counting_shop.script[("set_bid", "ag1")] = [PermanentError("401 for token tok-9f8e7d")]
    run_id = plan(project, ("ag1", "set_bid", {"bid": 0.5}))
    execute_pending(project, owner="x")
    assert ledger_of(project, run_id)["ag1"].last_error == "PermanentError: 401 for token ***"


def test_two_executors_on_the_same_intents_act_once_each(acting_project, counting_shop) -> None:
    project = acting_project()
    run_id = plan(project, *((f"ag{i % 3 + 1}", "boost", {"n": i}) for i in range(30)))
    threads = [
        threading.Thread(target=execute_pending, args=(project,), kwargs={"owner": owner})
        for owner in ("a", "b")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {i.status for i in ledger.run_intents(project.engine, run_id)} == {"done"}
    keys = [key for _, _, key in counting_shop.effects]
    assert len(keys) == 30 and len(set(keys)) == 30
