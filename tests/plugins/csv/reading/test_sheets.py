"""Workbooks (xlsx written by openpyxl, xls by xlwt) read as the export shows them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from shopctl_plugins.csv.reading import ReadError, find_header, read_rows
from shopctl_plugins.csv.reading.sheets import sheet_names

SYCM_HEADER = ["统计日期", "商品ID", "商品名称", "商品状态", "商品访客数", "支付金额", "下单转化率"]


def sycm_workbook(path: Path) -> Path:
    """A 生意参谋 商品 export: four title lines, the header on row 5, text and numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet["A1"] = "生意参谋 商品_全部"
    sheet["A2"] = "统计时间：2026-11-20 ~ 2026-11-20"
    sheet["A3"] = "店铺：示例旗舰店"
    sheet.append([])
    sheet.append(SYCM_HEADER)
    sheet.append(
        ["2026-11-20", "'7300000000001", "连衣裙 红色", "当前在线", "11,269", "17,191.00", "78.15%"]
    )
    sheet.append([date(2026, 11, 20), 7300000000002, "半身裙", "当前在线", 120.0, 35.5, 0.0786])
    sheet.append([])
    sheet.append([datetime(2026, 11, 20, 13, 5), 3.0, None, True, False, 0.1 + 0.2, -2.0])
    book.save(path)
    return path


def test_an_xlsx_with_chinese_text_and_the_header_on_row_5(tmp_path: Path) -> None:
    source = read_rows(sycm_workbook(tmp_path / "商品.xlsx"))
    assert source.sheet == "Sheet1"
    number, header, rest = find_header(iter(source), lambda cells: "商品ID" in cells)
    assert (number, header) == (5, SYCM_HEADER)
    rows = list(rest)
    first = ["2026-11-20", "'7300000000001", "连衣裙 红色", "当前在线", "11,269", "17,191.00"]
    assert rows[0] == (6, [*first, "78.15%"])
    assert rows[1] == (
        7,
        ["2026-11-20", "7300000000002", "半身裙", "当前在线", "120", "35.5", "0.0786"],
    )
    assert rows[2] == (
        9,
        ["2026-11-20 13:05:00", "3", "", "true", "false", "0.3", "-2"],
    )
    assert source.location(7) == "商品.xlsx:Sheet1:7"


def test_the_first_sheet_holding_cells_is_read_unless_one_is_named(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.create_sheet("Portfolios").append(["Portfolio ID", "Portfolio Name"])
    campaigns = book.create_sheet("Sponsored Products Campaigns")
    campaigns.append(["Product", "Entity", "Operation", "Campaign ID", "State"])
    campaigns.append(["Sponsored Products", "Campaign", "", "1234", "enabled"])
    path = tmp_path / "bulk.xlsx"
    book.save(path)
    assert sheet_names(path) == ["说明", "Portfolios", "Sponsored Products Campaigns"]
    assert read_rows(path).sheet == "Portfolios"
    source = read_rows(path, sheet="Sponsored Products Campaigns")
    assert list(source)[1] == (2, ["Sponsored Products", "Campaign", "", "1234", "enabled"])
    assert source.location(2) == "bulk.xlsx:Sponsored Products Campaigns:2"
    assert list(source) == list(source)  # read afresh the second time


def test_a_sheet_that_is_not_there_names_the_sheets_that_are(tmp_path: Path) -> None:
    path = sycm_workbook(tmp_path / "bulk.xlsx")
    with pytest.raises(ReadError) as caught:
        read_rows(path, sheet="Sponsored Products Campaigns")
    assert str(caught.value) == (
        "bulk.xlsx: has no sheet named 'Sponsored Products Campaigns' (its sheets: 'Sheet1')"
    )


def test_a_workbook_of_empty_sheets_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(ReadError, match=r"^empty\.xlsx: every sheet of the workbook is empty"):
        read_rows(path)


def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    path = sycm_workbook(tmp_path / "商品.xlsx").rename(tmp_path / "商品.csv")
    assert read_rows(path).sheet == "Sheet1"


def test_a_broken_workbook_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "商品.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip file")
    with pytest.raises(ReadError, match=r"^商品\.xlsx: not a readable workbook \("):
        read_rows(path)


def test_an_oversized_cell_in_a_sheet_is_refused_with_its_row(tmp_path: Path, monkeypatch) -> None:
    from shopctl_plugins.csv.reading import rows

    monkeypatch.setattr(rows, "MAX_CELL_CHARS", 20)
    path = sycm_workbook(tmp_path / "商品.xlsx")
    with pytest.raises(ReadError, match=r"^商品\.xlsx:Sheet1:2: a cell is larger than"):
        list(read_rows(path))


def test_an_xls_workbook(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("商品明细")
    for column, name in enumerate(["时间", "SKU", "SKU名称", "成交金额"]):
        sheet.write(2, column, name)
    style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    sheet.write(3, 0, datetime(2026, 11, 20), style)
    sheet.write(3, 1, 100012345678.0)
    sheet.write(3, 2, "京东 手机壳")
    sheet.write(3, 3, "￥1,234.50")
    path = tmp_path / "商品明细.xls"
    book.save(str(path))
    assert list(read_rows(path)) == [
        (3, ["时间", "SKU", "SKU名称", "成交金额"]),
        (4, ["2026-11-20", "100012345678", "京东 手机壳", "￥1,234.50"]),
    ]
