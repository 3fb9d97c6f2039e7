"""The header row below title lines, total rows, and the alias keys of column names."""

from __future__ import annotations

import pytest

from shopctl_plugins.csv.reading import NoHeader, find_header, is_total_row, normalise_header

GOOGLE = [
    (1, ["Ad group report"]),
    (2, ["November 1, 2026 - November 20, 2026"]),
    (3, [" Ad group ", "Campaign", "Cost"]),
    (4, ["Shoes", "Spring", "12.30"]),
    (5, ["Total: Account", "", "12.30"]),
]


def test_title_lines_above_the_header_are_skipped() -> None:
    number, header, rest = find_header(iter(GOOGLE), lambda cells: "Campaign" in cells)
    assert number == 3
    assert header == ["Ad group", "Campaign", "Cost"]
    assert list(rest) == GOOGLE[3:]


def test_the_best_score_wins_and_certainty_stops_the_search() -> None:
    def score(cells: list[str]) -> float:
        return len(cells) / 4

    seen: list[list[str]] = []

    def certain(cells: list[str]) -> bool:
        seen.append(cells)
        return cells[0] == "Ad group report"

    number, _, rest = find_header(iter(GOOGLE), score)
    assert number == 3 and next(rest)[0] == 4  # 3 cells beat 1, the first of equals wins
    assert find_header(iter(GOOGLE), certain)[0] == 1 and len(seen) == 1


def test_a_header_past_max_lines_is_not_found_and_the_error_keeps_the_rows_seen() -> None:
    rows = [(n, [f"note {n}"]) for n in range(1, 40)]
    with pytest.raises(NoHeader) as caught:
        find_header(iter(rows), lambda cells: False, max_lines=5, name="商品.xlsx")
    assert str(caught.value) == "商品.xlsx: no header row in the first 5 rows"
    assert caught.value.rows == rows[:5]
    with pytest.raises(NoHeader, match="no header row in the file"):
        find_header(iter([]), lambda cells: True)


@pytest.mark.parametrize(
    "cells",
    [
        ["Total"],
        ["Total: Account", "", "3"],
        ["", " total - campaigns"],
        ["合计", "12"],
        ["总计："],
        ["汇总"],
        ["TOTAL:"],
    ],
)
def test_total_rows_are_recognised(cells: list[str]) -> None:
    assert is_total_row(cells)


@pytest.mark.parametrize(
    "cells", [["Totally new dress"], ["Shoes", "Total"], [], ["", ""], ["合计金额"], ["P1"]]
)
def test_other_rows_are_not_totals(cells: list[str]) -> None:
    assert not is_total_row(cells)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("花费(元)", "花费"),
        ("花费（元）", "花费"),
        ("点击率(%)", "点击率"),
        ("Weight (lbs)", "weight"),
        ("7 Day Total Sales ", "7daytotalsales"),
        ("7 Day Total Orders (#)", "7daytotalorders"),
        ("Variant_Inventory-Qty", "variantinventoryqty"),
        ("ＳＫＵ", "sku"),
        ("商品 ID", "商品id"),
        ("交易额【元】", "交易额"),
        ("Campaign Name (Informational only)", "campaignname(informationalonly)"),
        ("Conv. rate", "conv.rate"),
    ],
)
def test_alias_keys_ignore_case_spaces_and_units(name: str, key: str) -> None:
    assert normalise_header(name) == key
