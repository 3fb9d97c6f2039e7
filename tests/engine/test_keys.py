"""Idempotency keys: same rule, entity, action, arguments and period -> same key."""

from datetime import UTC, datetime, timedelta

from shopctl.engine.keys import decode_args, encode_args, intent_key, period_of
from shopctl.registry import ActionSpec, Param
from shopctl.types import Type

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def key(**changes: object) -> str:
    parts: dict[str, object] = {
        "rule": "pause-low-roi",
        "entity_type": "ad_group",
        "account": "shop",
        "entity_id": "ag1",
        "action": "set_bid",
        "args": {"bid": 1.5},
        "period": "slot:2026-03-02",
    }
    parts.update(changes)
    return intent_key(**parts)  # type: ignore[arg-type]


def test_the_same_action_in_the_same_period_has_the_same_key() -> None:
    assert key() == key()
    assert key(args={"bid": 1.5}) == key()
    assert key().startswith("sk1-") and len(key()) == 68


def test_every_part_of_the_key_changes_it() -> None:
    others = [
        key(rule="other"),
        key(entity_type="product"),
        key(account="shop2"),
        key(entity_id="ag2"),
        key(action="pause"),
        key(args={"bid": 1.6}),
        key(period="slot:2026-03-03"),
    ]
    assert len({key(), *others}) == 8


def test_argument_order_does_not_matter_but_values_do() -> None:
    one = intent_key("r", "customer", "s", "c1", "grant", {"a": 1, "b": "新"}, "p")
    two = intent_key("r", "customer", "s", "c1", "grant", {"b": "新", "a": 1}, "p")
    assert one == two
    assert one != intent_key("r", "customer", "s", "c1", "grant", {"a": 1, "b": "旧"}, "p")


def test_inside_a_cooldown_bucket_the_period_stays_the_same() -> None:
    weekly = timedelta(days=7)
    first = period_of(weekly, AT)
    assert period_of(weekly, AT + timedelta(hours=1)) == first
    assert period_of(weekly, AT, slot="2026-03-02T10:00") == first  # the cooldown wins
    assert period_of(weekly, AT + timedelta(days=7)) != first


def test_without_cooldown_a_slot_or_the_instant_is_the_period() -> None:
    assert period_of(None, AT, slot="2026-03-02") == "slot:2026-03-02"
    assert period_of(None, AT) == "at:2026-03-02T10:00:00+00:00"
    assert period_of(None, AT + timedelta(seconds=1)) != period_of(None, AT)


def test_arguments_round_trip_through_json_by_their_declared_types() -> None:
    spec = ActionSpec(
        "grant",
        on=("customer",),
        params=(
            Param("amount", Type.NUMBER),
            Param("expires", Type.DURATION),
            Param("at", Type.TIMESTAMP),
        ),
    )
    args = {"amount": 50, "expires": timedelta(days=7), "at": AT}
    encoded = encode_args(args)
    assert encoded == {"amount": 50, "expires": 604800, "at": "2026-03-02T10:00:00+00:00"}
    assert decode_args(spec, encoded) == args
