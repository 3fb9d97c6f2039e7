"""The contract suites catch broken plugins, and the fixtures work as documented."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SHOP = '''
from shopctl import ActionResult, EntityType, Field, Param, Platform, Type, action, hookimpl

ITEMS = {}


class Shop(Platform):
    name = "tiny"
    provides = ("product",)
    settings = ()

    def __init__(self, account, settings, context):
        super().__init__(account, settings, context)
        ITEMS.clear()
        ITEMS.update({"p1": {"id": "p1", "title": "保温杯", "price": 59.0, "stock": 3}})
        self.done = {}

    def fetch(self, entity_type, since):
        return [dict(item) for item in ITEMS.values()]

    @action("product", params=(Param("price", Type.NUMBER),), reversible=True, honours_keys=True)
    def set_price(self, request):
        """Change the price."""
        if request.key in self.done and KEYS_HONOURED:
            return self.done[request.key]
        item = ITEMS[request.entity_id]
        before = {"price": item["price"]}
        item["price"] = item["price"] + request.args["price"] if ADDS else request.args["price"]
        self.done[request.key] = ActionResult(before=before, after={"price": item["price"]})
        return self.done[request.key]

    def restore(self, request, before):
        if RESTORES:
            ITEMS[request.entity_id].update(before)
        return ActionResult()


@hookimpl
def shopctl_platforms():
    return [Shop]
'''

TEST = """
from shopctl.testing.contract import PlatformContract
from tinyshop import Shop

class TestTiny(PlatformContract):
    platform_class = Shop
"""


def shop(pytester: pytest.Pytester, **flags: object) -> None:
    """Write the tiny shop plugin with its flaws switched on or off, and its contract test."""
    settings = {"KEYS_HONOURED": True, "ADDS": False, "RESTORES": True} | flags
    header = "".join(f"{k} = {v!r}\n" for k, v in settings.items())
    package = pytester.mkpydir("tinyshop")
    (package / "__init__.py").write_text(header + SHOP, encoding="utf-8")
    pytester.makepyfile(test_tiny=TEST)
    pytester.syspathinsert()


def test_a_sound_platform_passes_the_contract(pytester: pytest.Pytester) -> None:
    shop(pytester)
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5, skipped=1)  # no lookup(): that check is skipped


def test_a_restore_that_does_not_restore_fails(pytester: pytest.Pytester) -> None:
    shop(pytester, RESTORES=False)
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*undo of set_price left price*"])


def test_acting_twice_for_one_key_fails(pytester: pytest.Pytester) -> None:
    shop(pytester, KEYS_HONOURED=False, ADDS=True)
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*set_price acted twice for one key*"])


def test_a_record_of_the_wrong_type_fails(pytester: pytest.Pytester) -> None:
    shop(pytester)
    package = pytester.path / "tinyshop" / "__init__.py"
    text = package.read_text(encoding="utf-8").replace('"stock": 3', '"stock": "三"')
    package.write_text(text, encoding="utf-8")
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*product.stock: '三' does not read as integer*"])


CASSETTE = """
- request: {method: GET, path: /products, query: {page: "1"}}
  response: {status: 200, json: [{"id": "p1", "title": "保温杯"}]}
- request: {method: POST, path: /products/p1/price, json: {"price": 49.0}}
  response: {status: 201, json: {"ok": true}}
"""


def test_http_replay_serves_recorded_responses(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", cassette=CASSETTE)
    pytester.makepyfile(
        test_replay="""
import json, urllib.request

def test_replay(http_replay):
    server = http_replay("cassette.yaml")
    with urllib.request.urlopen(server.url + "/products?page=1") as reply:
        assert json.load(reply) == [{"id": "p1", "title": "保温杯"}]
    body = json.dumps({"price": 49.0}).encode()
    request = urllib.request.Request(server.url + "/products/p1/price", body, method="POST")
    with urllib.request.urlopen(request) as reply:
        assert reply.status == 201
"""
    )
    pytester.runpytest("-q", "-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_http_replay_fails_the_test_on_an_unrecorded_request(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", cassette=CASSETTE)
    pytester.makepyfile(
        test_replay="""
import urllib.error, urllib.request

def test_replay(http_replay):
    server = http_replay("cassette.yaml")
    try:
        urllib.request.urlopen(server.url + "/orders")
    except urllib.error.HTTPError as exc:
        assert exc.code == 599
"""
    )
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*no recorded response for GET /orders in *cassette.yaml*"])


def test_frozen_clock_stands_still_until_moved(frozen_clock) -> None:
    start = frozen_clock.now()
    assert frozen_clock.now() == start
    frozen_clock.advance(timedelta(hours=13))
    assert frozen_clock.now() - start == timedelta(hours=13)


def test_shopctl_project_writes_a_working_project(shopctl_project, frozen_clock) -> None:
    project = shopctl_project(channels={"ops": {"plugin": "console"}})
    assert (project.config.root / "shopctl.yaml").is_file()
    assert project.clock is frozen_clock
    assert project.platform("shop").name == "demo"
    assert project.channel("ops").name == "console"
    assert "customer" in project.registry.entity_types


def test_shopctl_store_has_the_declared_tables(shopctl_store) -> None:
    from sqlalchemy import inspect

    tables = set(inspect(shopctl_store).get_table_names())
    assert {"runs", "intents", "entity_customer", "metric_ad_group"} <= tables
    assert Path(shopctl_store.url.database).is_file()
