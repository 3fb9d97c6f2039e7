"""The review page: well-formed, self-contained, every KPI shown, platform text escaped."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from shopctl.engine.kpi import LABELS, KpiReport, periods
from shopctl.engine.report_html import bar_chart, change_mark, format_value, render_report
from shopctl.rules.compiled import EvalContext

CTX = EvalContext(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), ZoneInfo("Asia/Shanghai"))
VOID = {"meta"}


class Structure(HTMLParser):
    """Checks every element is closed in order, and collects text, tags and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.errors.append(f"unexpected </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def report(**changes: object) -> KpiReport:
    """A weekly review with figures for every KPI, a hostile product title, activity."""
    current, previous = periods("weekly", CTX)
    values = dict.fromkeys(LABELS, 10.0)
    before = dict.fromkeys(LABELS, 8.0)
    values |= {"revenue": 12345.5, "roi": 2.5, "conversion": 0.034, "cpc": None}
    before |= {"revenue": 10000.0, "roi": 3.0, "ad_spend": 0.0}
    data = {
        "kind": "weekly",
        "ctx": CTX,
        "current": current,
        "previous": previous,
        "values": values,
        "before": before,
        "low_stock": [
            {"account": "shop", "id": f"P{n}", "title": f"<b>{n}</b>", "stock": n}
            for n in range(12)
        ],
        "top_products": [
            {"account": "shop", "id": "P1", "title": "<script>alert(1)</script>"}
            | {"revenue": 500.0, "units_sold": 5.0},
            {"account": "shop", "id": "P2", "title": "保温杯 & 杯盖", "revenue": 80.0}
            | {"units_sold": 1.0},
        ],
        "worst_ad_groups": [
            {"account": "shop", "id": "A2", "name": 'bad "group"', "campaign": "春季"}
            | {"spend": 200.0, "revenue": 100.0, "roi": 0.5},
            {"account": "shop", "id": "A1", "name": None, "campaign": None}
            | {"spend": 100.0, "revenue": 500.0, "roi": 5.0},
        ],
        "runs": {"acted": 3, "no_match": 9},
        "actions": {"pause": {"done": 2, "failed": 1}},
        "daily": [
            {"date": f"2026-03-{d}", "revenue": 100.0 * (d - 21), "ad_spend": 50.0}
            | {"ad_revenue": 75.0, "roi": 1.5}
            for d in range(22, 29)
        ],
    }
    return KpiReport(**(data | changes))  # type: ignore[arg-type]


def test_page_is_well_formed_self_contained_and_shows_every_kpi() -> None:
    page = render_report(report())
    parsed = Structure()
    parsed.feed(page)
    parsed.close()
    assert parsed.errors == [] and parsed.open == []
    assert "script" not in parsed.tags  # no JavaScript at all
    assert not any(v and v.startswith("http") and k in ("src", "href") for k, v in parsed.attrs)
    text = "".join(parsed.text)
    for label in LABELS.values():
        assert label in text
    assert "周复盘 Weekly review" in text
    assert "2026-03-22 – 2026-03-28 (Asia/Shanghai)" in text
    assert "12,345.50" in text and "▲ 23.5%" in text  # revenue and its change
    assert "▼ 16.7%" in text  # ROI fell from 3.0 to 2.5
    assert "3.4%" in text  # conversion as a percentage


def test_charts_are_inline_svg() -> None:
    page = render_report(report())
    parsed = Structure()
    parsed.feed(page)
    assert parsed.tags.count("svg") == 2
    assert parsed.tags.count("polyline") == 2  # revenue and ad spend
    assert parsed.tags.count("rect") == 2  # one ROI bar per ad group
    assert "销售额 Revenue" in page and "2026-03-22" in page


def test_platform_text_is_escaped() -> None:
    page = render_report(report())
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "保温杯 &amp; 杯盖" in page
    assert "bad &quot;group&quot;" in page
    assert "&lt;b&gt;9&lt;/b&gt;" in page and "<b>" not in page


def test_low_stock_shows_the_count_and_the_ten_fewest() -> None:
    page = render_report(report())
    assert '<div class="value">12</div>' in page
    assert "&lt;b&gt;9&lt;/b&gt;" in page and "&lt;b&gt;10&lt;/b&gt;" not in page
    assert "…另有 and 2 more" in page


def test_empty_review_still_renders() -> None:
    empty = report(top_products=[], low_stock=[], worst_ad_groups=[], runs={}, actions={}, daily=[])
    page = render_report(empty)
    parsed = Structure()
    parsed.feed(page)
    assert parsed.errors == [] and parsed.open == []
    # Products, low stock, the ad groups' chart and table, runs and actions.
    assert page.count("无数据 No data") == 6


def test_values_and_changes_read_like_an_operator_expects() -> None:
    review = report()
    assert format_value("revenue", 1234.5) == "1,234.50"
    assert format_value("orders", 12.0) == "12"
    assert format_value("ctr", 0.0125) == "1.2%"
    assert format_value("cpc", None) == "—"
    assert change_mark(review, "revenue") == ("▲ 23.5%", "good")
    assert change_mark(review, "ad_spend") == ("—", "flat")  # previous spend was 0
    # Spending more is not good news by itself.
    assert change_mark(report(before=dict.fromkeys(LABELS, 5.0)), "ad_spend")[1] == "bad"
    assert change_mark(review, "cpc") == ("—", "flat")


def test_bar_chart_without_bars_says_so() -> None:
    assert bar_chart([]) == '<p class="meta">无数据 No data</p>'
