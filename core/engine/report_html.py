"""The KPI review as one self-contained HTML page: inline CSS, charts as inline SVG.

No script, no font or image from the network: the file can be mailed or archived and
still reads the same. Every value is escaped, since titles and names come from platforms.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from shopctl.engine.kpi import COUNTS, LABELS, PERCENT, TOP, KpiReport

TITLES = {"daily": "日复盘 Daily review", "weekly": "周复盘 Weekly review"}
TITLES["monthly"] = "月复盘 Monthly review"
# KPIs where a fall is the good news, so their arrows are coloured the other way round.
LOWER_IS_BETTER = frozenset({"ad_spend", "cpc", "bad_reviews"})
LINE_COLOURS = ("#1f6feb", "#d1242f")
WIDTH, HEIGHT, PAD = 640, 240, 48

CSS = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:24px;
color:#1f2328;max-width:1000px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px}
.meta{color:#656d76;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:10px}
.card{border:1px solid #d0d7de;border-radius:6px;padding:10px}
.label{font-size:12px;color:#656d76}.value{font-size:20px;font-weight:600}
.good{color:#1a7f37}.bad{color:#d1242f}.flat{color:#656d76}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border-bottom:1px solid #d0d7de;padding:4px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
svg text{font-size:11px;fill:#656d76}
"""


def render_report(report: KpiReport) -> str:
    """The whole page for `report`, UTF-8 text."""
    zone = report.ctx.zone
    generated = report.ctx.now.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    current, previous = report.current, report.previous
    meta = (
        f"{current.first} – {current.last} ({zone.key}) · "
        f"对比 vs {previous.first} – {previous.last} · 生成于 generated {generated}"
    )
    title = TITLES[report.kind]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{_e(title)} {_e(current.last)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(meta)}</p>',
        _cards(report),
        "<h2>每日趋势 Daily trend</h2>",
        line_chart(
            [d["date"] for d in report.daily],
            {
                "销售额 Revenue": [d["revenue"] for d in report.daily],
                "推广花费 Ad spend": [d["ad_spend"] for d in report.daily],
            },
        ),
        "<h2>商品销售额 Top products by revenue</h2>",
        _products(report),
        "<h2>低库存商品 Low-stock products</h2>",
        _low_stock(report),
        "<h2>低投产推广单元 Ad groups with the lowest ROI</h2>",
        bar_chart([(g["name"] or g["id"], g["roi"]) for g in report.worst_ad_groups]),
        _ad_groups(report),
        "<h2>shopctl 执行情况 What shopctl did</h2>",
        _activity(report),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def format_value(key: str, value: float | None) -> str:
    """A KPI as a person reads it: percentages, whole counts, money with two decimals."""
    if value is None:
        return "—"
    if key in PERCENT:
        return f"{value:.1%}"
    if key in COUNTS:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def change_mark(report: KpiReport, key: str) -> tuple[str, str]:
    """The ▲/▼ text of a KPI's change and its CSS class (good, bad or flat)."""
    change = report.change(key)
    if change is None:
        return "—", "flat"
    if change == 0:
        return "0.0%", "flat"
    rising = change > 0
    good = rising != (key in LOWER_IS_BETTER)
    return f"{'▲' if rising else '▼'} {abs(change):.1%}", "good" if good else "bad"


def line_chart(dates: Sequence[str], series: dict[str, Sequence[float]]) -> str:
    """An SVG line chart of daily series sharing one y axis from zero."""
    top = max((v for values in series.values() for v in values), default=0.0) or 1.0
    step = (WIDTH - 2 * PAD) / max(1, len(dates) - 1)

    def point(i: int, value: float) -> str:
        return f"{PAD + i * step:.1f},{HEIGHT - PAD - value / top * (HEIGHT - 2 * PAD):.1f}"

    out = [_svg_open(HEIGHT, "每日趋势 Daily trend"), _axes(HEIGHT)]
    out.append(f'<text x="4" y="{PAD}">{_e(f"{top:,.0f}")}</text>')
    out.append(f'<text x="4" y="{HEIGHT - PAD}">0</text>')
    if dates:
        out.append(f'<text x="{PAD}" y="{HEIGHT - PAD + 16}">{_e(dates[0])}</text>')
        end = WIDTH - PAD
        anchor = f'x="{end}" y="{HEIGHT - PAD + 16}" text-anchor="end"'
        out.append(f"<text {anchor}>{_e(dates[-1])}</text>")
    for n, (name, values) in enumerate(series.items()):
        colour = LINE_COLOURS[n % len(LINE_COLOURS)]
        points = " ".join(point(i, v) for i, v in enumerate(values))
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        out.append(f'<text x="{PAD + n * 160}" y="16" style="fill:{colour}">■ {_e(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def bar_chart(bars: Sequence[tuple[str, float]]) -> str:
    """An SVG horizontal bar chart (e.g. ROI by ad group), one labelled bar per item."""
    if not bars:
        return '<p class="meta">无数据 No data</p>'
    row, label_width = 22, 180
    height = len(bars) * row + 20
    top = max(value for _, value in bars) or 1.0
    span = WIDTH - label_width - 70
    out = [_svg_open(height, "投产比 ROI")]
    for i, (name, value) in enumerate(bars):
        y = 10 + i * row
        width = max(0.0, value) / top * span
        out.append(f'<text x="0" y="{y + 14}">{_e(_short(name))}</text>')
        out.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{width:.1f}" height="14" fill="#1f6feb"/>'
        )
        out.append(f'<text x="{label_width + width + 6:.1f}" y="{y + 14}">{value:.2f}</text>')
    out.append("</svg>")
    return "".join(out)


def _cards(report: KpiReport) -> str:
    cards = []
    for key, label in LABELS.items():
        mark, mood = change_mark(report, key)
        before = format_value(key, report.before[key])
        cards.append(
            f'<div class="card"><div class="label">{_e(label)}</div>'
            f'<div class="value">{_e(format_value(key, report.values[key]))}</div>'
            f'<div class="{mood}">{_e(mark)}</div>'
            f'<div class="label">上期 previous {_e(before)}</div></div>'
        )
    cards.append(
        '<div class="card"><div class="label">低库存商品 Low-stock products</div>'
        f'<div class="value">{len(report.low_stock)}</div>'
        '<div class="label">当前 as of now</div></div>'
    )
    return f'<div class="cards">{"".join(cards)}</div>'


def _products(report: KpiReport) -> str:
    rows = [
        (p["id"], p["title"] or "", f"{p['units_sold']:,.0f}", f"{p['revenue']:,.2f}")
        for p in report.top_products
    ]
    return _table(("ID", "标题 Title", "销量 Units", "销售额 Revenue"), rows, numeric_from=2)


def _low_stock(report: KpiReport) -> str:
    rows = [(p["id"], p["title"] or "", str(p["stock"])) for p in report.low_stock[:TOP]]
    table = _table(("ID", "标题 Title", "库存 Stock"), rows, numeric_from=2)
    more = len(report.low_stock) - len(rows)
    return table + (f'<p class="meta">…另有 and {more} more</p>' if more > 0 else "")


def _ad_groups(report: KpiReport) -> str:
    rows = [
        (
            g["id"],
            g["name"] or "",
            g["campaign"] or "",
            f"{g['spend']:,.2f}",
            f"{g['revenue']:,.2f}",
            f"{g['roi']:.2f}",
        )
        for g in report.worst_ad_groups
    ]
    head = ("ID", "名称 Name", "计划 Campaign", "花费 Spend", "成交 Revenue", "投产比 ROI")
    return _table(head, rows, numeric_from=3)


def _activity(report: KpiReport) -> str:
    runs = _table(
        ("结果 Outcome", "运行次数 Runs"),
        [(outcome, str(n)) for outcome, n in report.runs.items()],
        numeric_from=1,
    )
    statuses = sorted({s for counts in report.actions.values() for s in counts})
    actions = _table(
        ("动作 Action", *statuses),
        [
            (name, *(str(counts.get(s, 0)) for s in statuses))
            for name, counts in report.actions.items()
        ],
        numeric_from=1,
    )
    return runs + actions


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int) -> str:
    if not rows:
        return '<p class="meta">无数据 No data</p>'
    cells = "".join(f"<th>{_e(h)}</th>" for h in head)
    numeric = ' class="num"'
    body = [
        "<tr>"
        + "".join(
            f"<td{numeric if i >= numeric_from else ''}>{_e(v)}</td>" for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    ]
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _svg_open(height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img"><title>{_e(title)}</title>'
    )


def _axes(height: int) -> str:
    y = height - PAD
    return (
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{y}" stroke="#d0d7de"/>'
        f'<line x1="{PAD}" y1="{y}" x2="{WIDTH - PAD}" y2="{y}" stroke="#d0d7de"/>'
    )


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _e(value: object) -> str:
    return escape(str(value), quote=True)
