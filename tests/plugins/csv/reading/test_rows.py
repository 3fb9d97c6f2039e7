"""read_rows on real CSV files as operators have them: encodings, tabs, title lines, guards."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopctl_plugins.csv.reading import (
    MAX_CELL_CHARS,
    ReadError,
    decode,
    find_header,
    is_total_row,
    read_rows,
)

ROWS = [
    ["商品ID", "商品名称", "支付金额"],
    ["7300001", "连衣裙, 红色", "1,234.50"],
    ["7300002", "半身裙", "-"],
]


def write(path: Path, text: str, encoding: str) -> Path:
    """A file of `text` in `encoding`, as an export would be written."""
    path.write_bytes(text.encode(encoding))
    return path


def as_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_each_encoding_reads_the_same_rows(tmp_path: Path, encoding: str) -> None:
    source = read_rows(write(tmp_path / "商品.csv", as_csv(ROWS), encoding))
    assert list(source) == [(1, ROWS[0]), (2, ROWS[1]), (3, ROWS[2])]
    assert source.delimiter == ","


def test_gb18030_characters_outside_gbk_read(tmp_path: Path) -> None:
    rows = [["商品ID", "商品名称"], ["1", "䶮记 𠀀"]]
    source = read_rows(write(tmp_path / "商品.csv", as_csv(rows), "gb18030"))
    assert source.encoding == "gb18030"
    assert [cells for _, cells in source] == rows


def test_a_google_ads_report_utf16_tabs_two_title_lines_and_a_total(tmp_path: Path) -> None:
    text = (
        "Ad group report\r\n"
        "November 1, 2026 - November 20, 2026\r\n"
        "Ad group status\tAd group\tCampaign\tImpr.\tCost\r\n"
        "Enabled\t春季 鞋\tSpring\t1,204\t1,234.50\r\n"
        "Paused\tBoots\tWinter\t--\t0.00\r\n"
        "Total: Account\t\t\t1,204\t1,234.50\r\n"
    )
    path = tmp_path / "Ad group report.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    source = read_rows(path)
    assert (source.encoding, source.delimiter) == ("utf-16", "\t")
    number, header, rest = find_header(iter(source), lambda cells: "Campaign" in cells)
    assert number == 3 and header[0] == "Ad group status"
    data = [(n, cells) for n, cells in rest if not is_total_row(cells)]
    assert data == [
        (4, ["Enabled", "春季 鞋", "Spring", "1,204", "1,234.50"]),
        (5, ["Paused", "Boots", "Winter", "--", "0.00"]),
    ]
    assert source.location(5) == "Ad group report.csv:5"


def test_blank_rows_are_skipped_and_numbers_count_lines_of_multiline_cells(
    tmp_path: Path,
) -> None:
    text = 'id,note\n\nP1,"two\nlines"\n , \nP2,x\n'
    rows = list(read_rows(write(tmp_path / "p.csv", text, "utf-8")))
    assert rows == [(1, ["id", "note"]), (3, ["P1", "two\nlines"]), (6, ["P2", "x"])]


def test_a_source_reads_the_file_afresh_each_time(tmp_path: Path) -> None:
    source = read_rows(write(tmp_path / "p.csv", as_csv(ROWS), "utf-8"))
    assert list(source) == list(source)


def test_a_byte_that_is_not_the_files_encoding_is_named_with_its_line(tmp_path: Path) -> None:
    good = "".join(f"{n},商品{n}\n" for n in range(1, 5000))  # past the 64 KB sample
    path = tmp_path / "商品.csv"
    path.write_bytes(good.encode("gb18030") + b"5000,\xff\xfe\n")
    with pytest.raises(ReadError) as caught:
        list(read_rows(path))
    assert str(caught.value).startswith("商品.csv:5000: not gb18030 text (byte 0xff); re-export")


def test_a_nul_byte_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"id,title\nP1,ok\nP2,bad\x00cell\n")
    with pytest.raises(ReadError, match=r"^p\.csv:3: a NUL character is not text"):
        list(read_rows(path))


def test_a_10_mb_cell_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,title\nP1,ok\nP2," + "x" * 10_000_000 + "\nP3,ok\n")
    with pytest.raises(ReadError, match=r"^p\.csv:3: a cell is larger than 1 MB"):
        list(read_rows(path))


def test_cells_above_the_csv_modules_default_limit_but_within_1_mb_read(tmp_path: Path) -> None:
    big = "描" * (MAX_CELL_CHARS - 10)
    path = write(tmp_path / "p.csv", f'id,body\nP1,"{big}"\n', "utf-8")
    assert list(read_rows(path))[1] == (2, ["P1", big])


def test_a_quote_left_open_is_refused_with_its_line_not_read_to_the_end(tmp_path: Path) -> None:
    rows = "".join(f"P{n},{'y' * 100}\n" for n in range(20_000))
    path = write(tmp_path / "p.csv", 'id,title\nP0,"open\n' + rows, "utf-8")
    with pytest.raises(ReadError, match=r"^p\.csv:\d+: a cell is larger than 1 MB"):
        list(read_rows(path))


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match=r"^gone\.csv: cannot be read"):
        read_rows(tmp_path / "gone.csv")


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.text(alphabet='ab,"\r\n商 \t', max_size=6), min_size=1, max_size=4),
        min_size=1,
        max_size=8,
    ),
    chunk=st.integers(min_value=1, max_value=9),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
)
def test_chunked_decoding_reads_what_the_csv_module_reads(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], chunk: int, encoding: str
) -> None:
    text = as_csv(rows)
    path = tmp_path_factory.mktemp("chunks") / "p.csv"
    path.write_bytes(text.encode(encoding))
    expected = []
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    for cells in reader:
        if any(c.strip() for c in cells):
            expected.append((line, cells))
        line = reader.line_num + 1
    source = read_rows(path)
    source.delimiter = ","  # tiny files may not show their delimiter
    original = decode.CHUNK_BYTES
    decode.CHUNK_BYTES = chunk
    try:
        assert list(source) == expected
    finally:
        decode.CHUNK_BYTES = original
