"""PDF reports: Chinese that shows anywhere (the font travels inside the file), tables that break
across pages with their header, page numbers, and the same bytes for the same report."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import pathlib
import subprocess
import sys

import pytest
from pypdf import PdfReader

from reports import render
from reports.document import Column, Kind, Report, Table
from tests.reports.samples import COLUMNS, empty_period, payee, settlement

ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = pathlib.Path(__file__).with_name("golden")


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def squeezed(text: str) -> str:
    """Text without the line breaks and spaces that wrapping and extraction put in."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    return render.pdf(settlement(500))


def test_the_settlement_pdf_shows_its_chinese_title_headers_amounts_and_dates():
    text = "\n".join(pages_text(render.pdf(settlement(3))))
    for expected in ("服务券兑付结算汇总表", "2026年11月 第12批", "兑付明细", "序号", "企业名称", "兑付日期", "金额（元）",
                     "制单人", "张三", payee(1), "1,234.56", "2,469.12", "3,703.68", "2026年11月25日", "2026年11月27日",
                     "合计", "7,407.36", "说明", "金额单位：元。"):
        assert expected in text, expected


def test_the_cjk_font_is_embedded_and_is_the_only_font_in_the_pdf():
    reader = PdfReader(io.BytesIO(render.pdf(settlement(3))))
    fonts = {}
    for page in reader.pages:
        for name, ref in page["/Resources"]["/Font"].items():
            font = ref.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts, "the PDF names no font"
    for base_font, font in fonts.items():
        assert "WenQuanYiMicroHei" in base_font
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{base_font} is not embedded"  # TrueType outlines inside the file
        assert len(descriptor["/FontFile2"].get_object().get_data()) > 1000
        assert "/ToUnicode" in font  # so the text can be searched and copied


def test_a_500_row_table_spans_several_pages_and_repeats_its_header_on_each(long_pdf):
    texts = pages_text(long_pdf)
    assert len(texts) >= 5
    for number, text in enumerate(texts, start=1):
        if number < len(texts) or payee(500) in text:
            assert "企业名称" in text and "金额（元）" in text, f"page {number} has no header row"
    everything = squeezed("".join(texts))
    for i in (1, 29, 30, 31, 250, 499, 500):  # rows at and around page breaks are all there, once
        assert everything.count(payee(i)) == 1, i
    assert "154,628,640.00" in everything  # the totals row: 1,234.56 × (1 + … + 500)


def test_every_page_footer_reads_page_n_of_total(long_pdf):
    texts = pages_text(long_pdf)
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"第 {number} 页 / 共 {total} 页" in text


def test_rendering_the_same_report_twice_gives_identical_bytes():
    assert render.pdf(settlement(40)) == render.pdf(settlement(40))


def test_a_fresh_process_renders_the_same_bytes_no_clock_or_randomness_inside():
    here = hashlib.sha256(render.pdf(settlement(40))).hexdigest()
    code = ("import hashlib, sys; from reports import render; from tests.reports.samples import settlement; "
            "sys.stdout.write(hashlib.sha256(render.pdf(settlement(40))).hexdigest())")
    env = dict(os.environ, PYTHONHASHSEED="12345", TZ="America/New_York")
    there = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert there.stdout == here


def test_the_settlement_pdf_reads_as_the_golden_text():
    """What a reader sees, line by line, against tests/reports/golden/settlement-3.txt (regenerate with
    YUNQUAN_UPDATE_GOLDEN=1 after a deliberate layout change, and read the diff)."""
    got = "\n".join("\n".join(line.strip() for line in t.splitlines()) for t in pages_text(render.pdf(settlement(3))))
    path = GOLDEN / "settlement-3.txt"
    if os.environ.get("YUNQUAN_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(got + "\n", encoding="utf-8")
    assert got + "\n" == path.read_text(encoding="utf-8")


def test_a_period_without_data_renders_a_report_that_says_so():
    data = render.pdf(empty_period())
    texts = pages_text(data)
    assert len(texts) == 1
    assert "本期无数据" in texts[0] and "企业名称" in texts[0] and "公示名单" in texts[0]


def test_a_report_without_any_table_still_renders_its_title_and_notes():
    texts = pages_text(render.pdf(Report(title="绩效报告", notes=["暂无任务书记录。"])))
    assert "绩效报告" in texts[0] and "暂无任务书记录。" in texts[0]


def test_long_text_and_long_unbroken_codes_wrap_inside_their_cell_instead_of_being_cut_off():
    name = "广东省佛山市南海区狮山镇工业互联网标识解析二级节点建设运营服务有限公司（联合体牵头单位，含三家成员单位）" * 2
    digest = hashlib.sha256(b"x").hexdigest()  # 64 characters without a space
    doc = Report(title="长文本", tables=[Table([Column("企业名称"), Column("哈希"), Column("金额", Kind.MONEY)],
                                            [(name, digest, 1)])])
    text = squeezed("".join(pages_text(render.pdf(doc))))
    assert name in text and digest in text


def test_markup_characters_in_data_are_shown_as_written():
    doc = Report(title="A&B <公司>", tables=[Table([Column("名称")], [("<b>粗体</b> & 1 < 2",)])])
    text = "".join(pages_text(render.pdf(doc)))
    assert "A&B <公司>" in text and "<b>粗体</b> & 1 < 2" in text


def test_a_table_too_wide_for_an_upright_page_turns_the_page():
    wide = Table([Column("科目")] + [Column(f"{m}月", Kind.MONEY) for m in range(1, 13)],
                 [("可用额度",) + tuple(100_000_000_000 + m for m in range(12))])
    page = PdfReader(io.BytesIO(render.pdf(Report(title="年度表", tables=[wide])))).pages[0]
    assert page.mediabox.width > page.mediabox.height
    narrow = PdfReader(io.BytesIO(render.pdf(settlement(2)))).pages[0]
    assert narrow.mediabox.width < narrow.mediabox.height


def test_negative_amounts_and_zero_read_as_money():
    doc = Report(title="冲销", tables=[Table([Column("金额", Kind.MONEY)], [(-123456,), (0,), (-5,)])])
    text = "".join(pages_text(render.pdf(doc)))
    assert "-1,234.56" in text and "0.00" in text and "-0.05" in text


@pytest.mark.parametrize("row, problem", [
    ((1, "甲", dt.date(2026, 1, 1), 12.5, ""), TypeError),                    # a float is never money
    ((1, "甲", dt.datetime(2026, 1, 1, 8), 1, ""), TypeError),                # a stamp is not a date
    ((1, "甲", dt.date(2026, 1, 1), 1), ValueError),                          # a cell missing
])
def test_a_row_that_does_not_fit_its_columns_is_refused(row, problem):
    with pytest.raises(problem):
        render.pdf(Report(title="坏数据", tables=[Table(COLUMNS, [row])]))
