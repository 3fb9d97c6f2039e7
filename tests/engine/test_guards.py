"""Guards, in SPEC order: max_percent, cooldown, consent, caps, quiet hours, limit."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shopctl.engine import ledger
from shopctl.engine.executor import execute_pending
from shopctl.engine.guards import quiet_until
from shopctl.engine.runs import RulePlan, plan_rule, run_rule
from shopctl.rules.model import QuietHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours(time(22, 0), time(8, 0))


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def skipped(plan: RulePlan) -> dict[str, str]:
    return {s["entity"]: s["reason"] for s in plan.to_json()["skipped"]}


def test_matching_more_than_max_percent_does_nothing(
    acting_project, counting_shop, compile_rule
) -> None:
    project = acting_project()
    typo = compile_rule(project, 'status == "active"', "pause")  # 3 of 3 ad groups
    plan = plan_rule(project, typo, project.eval_context())
    assert plan.outcome == "limit_exceeded"
    assert plan.to_json()["matched"] == ["ag1", "ag2", "ag3"] and plan.planned == []
    assert set(skipped(plan).values()) == {"matched 3 of 3 (100%), over max_percent 50%"}
    report = run_rule(project, typo)
    assert report.outcome == "limit_exceeded" and report.intents == []
    assert counting_shop.effects == []
    assert ledger.claimable(project.engine, project.clock.now()) == []


def test_max_percent_can_be_raised_per_rule(acting_project, compile_rule) -> None:
    project = acting_project()
    rule = compile_rule(project, 'status == "active"', "pause", max_percent=1.0)
    assert plan_rule(project, rule, project.eval_context()).outcome == "would_act"


def test_cooldown_skips_entities_acted_on_recently(acting_project, clock, compile_rule) -> None:
    project = acting_project()
    rule = compile_rule(project, "bid >= 3", "set_bid(bid + 1)", cooldown=timedelta(days=7))
    assert run_rule(project, rule).outcome == "acted"
    clock.advance(timedelta(days=1))
    plan = plan_rule(project, rule, project.eval_context())
    assert plan.outcome == "all_skipped"
    assert skipped(plan) == {"ag3": "cooldown until 2026-03-09 10:00"}


def test_customer_facing_actions_need_marketing_consent(acting_project, compile_rule) -> None:
    project = acting_project()
    rule = compile_rule(project, "email is not null", "grant(50)", on="customer", max_percent=1.0)
    plan = plan_rule(project, rule, project.eval_context())
    assert [a["entity"] for a in plan.to_json()["actions"]] == ["c1"]
    assert skipped(plan) == {"c2": "no marketing consent"}


def test_contact_caps_count_every_rule_and_channel(
    acting_project, counting_shop, compile_rule
) -> None:
    counting_shop.add("order", id="o1", customer_id="c1", status="paid", total=99.0)
    counting_shop.add("order", id="o2", customer_id="c2", status="paid", total=10.0)
    project = acting_project()
    by_mail = compile_rule(
        project, 'id == "c1"', 'message(mail, "hi")', on="customer", name="welcome"
    )
    assert run_rule(project, by_mail).intents[0].status == "done"
    # Another rule, another channel, reaching c1 through an order: over the daily cap.
    by_ops = compile_rule(
        project, "total > 50", 'message(ops, "thanks")', on="order", name="thanks"
    )
    plan = plan_rule(project, by_ops, project.eval_context())
    assert plan.to_json()["matched"] == ["o1"]
    assert skipped(plan) == {"o1": "frequency cap: 1 per 24h"}


def test_contact_caps_over_30_days(acting_project, clock, compile_rule) -> None:
    project = acting_project(defaults={"caps": {"per_day": 5, "per_30_days": 2}})
    rule = compile_rule(
        project, 'id == "c1"', 'message(mail, "hi")', on="customer", cooldown=timedelta(hours=1)
    )
    for _ in range(2):
        assert run_rule(project, rule).outcome == "acted"
        clock.advance(timedelta(days=2))
    plan = plan_rule(project, rule, project.eval_context())
    assert skipped(plan) == {"c1": "frequency cap: 2 per 30 days"}


def test_quiet_hours_defer_customer_messages_until_morning(
    acting_project, clock, outbox, compile_rule
) -> None:
    clock.set(local("2026-03-02T23:00"))
    project = acting_project()
    rule = compile_rule(
        project,
        'id == "c1"',
        'message(mail, "积分即将过期"), notify(ops, "told c1")',
        on="customer",
        quiet_hours=NIGHT,
    )
    report = run_rule(project, rule)
    statuses = {i.action: (i.status, i.not_before) for i in report.intents}
    assert statuses == {
        "message": ("deferred", local("2026-03-03T08:00").astimezone(UTC)),
        "notify": ("done", None),
    }
    assert report.outcome == "acted"
    assert [m.text for _, m in outbox] == ["told c1"]
    clock.set(local("2026-03-03T07:59"))
    assert execute_pending(project, owner="daemon").statuses == {}
    clock.set(local("2026-03-03T08:00"))
    assert list(execute_pending(project, owner="daemon").statuses.values()) == ["done"]
    assert [m.text for _, m in outbox] == ["told c1", "积分即将过期"]


def test_the_configured_quiet_hours_apply_to_every_rule(
    acting_project, clock, compile_rule
) -> None:
    clock.set(local("2026-03-02T06:30"))
    project = acting_project(defaults={"quiet_hours": "22:00-08:00"})
    rule = compile_rule(project, 'id == "c1"', "grant(10)", on="customer")
    (deferred,) = plan_rule(project, rule, project.eval_context()).planned
    assert (deferred.status, deferred.not_before) == ("deferred", local("2026-03-02T08:00"))


def test_quiet_windows_across_and_within_a_day() -> None:
    assert quiet_until(NIGHT, local("2026-03-02T23:00"), SHANGHAI) == local("2026-03-03T08:00")
    assert quiet_until(NIGHT, local("2026-03-02T07:59"), SHANGHAI) == local("2026-03-02T08:00")
    assert quiet_until(NIGHT, local("2026-03-02T08:00"), SHANGHAI) is None
    assert quiet_until(NIGHT, local("2026-03-02T21:59"), SHANGHAI) is None
    lunch = QuietHours(time(12, 0), time(13, 30))
    assert quiet_until(lunch, local("2026-03-02T12:10"), SHANGHAI) == local("2026-03-02T13:30")
    assert quiet_until(lunch, local("2026-03-02T13:30"), SHANGHAI) is None


def test_limit_acts_on_the_first_entities_and_reports_the_rest(
    acting_project, compile_rule
) -> None:
    project = acting_project()
    rule = compile_rule(
        project, "bid > 0", 'pause, notify(ops, "paused {name}")', limit=1, max_percent=1.0
    )
    plan = plan_rule(project, rule, project.eval_context())
    assert [(a["entity"], a["action"]) for a in plan.to_json()["actions"]] == [
        ("ag1", "pause"),
        ("ag1", "notify"),
    ]
    assert skipped(plan) == {"ag2": "over limit 1", "ag3": "over limit 1"}
    assert plan.to_json()["actions"][1]["args"] == {"channel": "ops", "text": "paused group 1"}
