"""Telling a file's encoding and delimiter from its first bytes."""

from __future__ import annotations

import codecs

import pytest

from shopctl_plugins.csv.reading.decode import detect_encoding, sniff_delimiter

HEADER = '商品ID,商品名称,支付金额\n7300001,连衣裙,"1,234.50"\n'


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + HEADER.encode(), "utf-8-sig"),
        (HEADER.encode(), "utf-8"),
        (b"id,title\nP1,plain ascii\n", "utf-8"),
        (b"", "utf-8"),
        (codecs.BOM_UTF16_LE + "Ad group\tCost\n".encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + "Ad group\tCost\n".encode("utf-16-be"), "utf-16"),
        ("Ad group\tCampaign\tCost\n".encode("utf-16-le"), "utf-16-le"),
        ("Ad group\tCampaign\tCost\n".encode("utf-16-be"), "utf-16-be"),
        (HEADER.encode("gbk"), "gb18030"),
        ("商品,䶮\n".encode("gb18030"), "gb18030"),  # 䶮 is outside GBK
    ],
)
def test_encodings_are_told_from_the_first_bytes(data: bytes, expected: str) -> None:
    assert detect_encoding(data) == expected


def test_a_character_cut_by_the_end_of_the_sample_still_counts_as_utf8() -> None:
    sample = ("名称," * 100).encode()[:-2]  # the last 逗号 gone and 称 cut after a byte
    assert detect_encoding(sample, truncated=True) == "utf-8"


def test_a_cut_character_inside_a_whole_file_is_not_utf8() -> None:
    assert detect_encoding("名称,名".encode()[:-1], truncated=False) != "utf-8"


def test_other_encodings_are_charset_normalizers_guess() -> None:
    text = "Имя,Описание,Цена\nПлатье,Красное летнее,12\n" * 20  # not GB18030: 0xff, ...
    encoding = detect_encoding(text.encode("cp1251"))
    assert encoding == "cp1251"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id,title,price\nP1,Dress,12\n", ","),
        ("Ad group\tCost\tClicks\nA\t1,234.50\t1,204\nB\t2,000.00\t3,001\n", "\t"),
        ("Report\nAll time\nDay\tCampaign\tCost\n2026-11-20\tC,1\t3\n", "\t"),
        ("id;title;price\nP1;Dress, red;12,50\n", ";"),
        ('id,title\nP1,"a\tb\tc\td"\n', ","),
        ('"a;b;c;d",x,y\n', ","),
        ("title only\n", ","),
    ],
)
def test_the_delimiter_is_counted_outside_quotes_in_the_header_area(
    text: str, expected: str
) -> None:
    assert sniff_delimiter(text) == expected
