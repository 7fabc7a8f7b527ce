"""``yunquan report NAME [options] --out FILE`` and ``yunquan ledger export --format beancount``."""
from __future__ import annotations

import subprocess

import openpyxl
import pytest

from reports import service
from tests.reports.facts import pdf_text
from tests.reports.test_beancount import BEAN_CHECK
from tests.test_cli import run
from yunquan import cli


@pytest.fixture
def report(runner):
    def invoke(*args: str):
        return runner.invoke(cli.report, list(args), catch_exceptions=False)
    return invoke


def test_the_trial_balance_is_written_to_a_pdf_with_the_head_hash(pilot, scheme, sent, report, tmp_path):
    out = tmp_path / "tb.pdf"
    result = report("trial-balance", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    assert pilot.verify()["head_hash"] in text and "账本校验：通过" in text


def test_the_format_follows_the_files_extension(pilot, scheme, sent, report, tmp_path):
    out = tmp_path / "batch.xlsx"
    assert report("payout-batch", "--batch", str(sent["id"]), "--out", str(out)).exit_code == 0
    rows = list(openpyxl.load_workbook(out)["支付明细"].iter_rows(values_only=True))
    assert sum(1 for row in rows if isinstance(row[0], int)) == 3


def test_a_report_can_go_to_standard_output(pilot, scheme, sent, report):
    claim_id = sent["lines"][0]["claim_id"]
    result = report("settlement", "--claim", str(claim_id), "--format", "csv", "--out", "-")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf") and "核定兑付金额 F,52250.00".encode() in result.stdout_bytes


def test_an_unknown_report_names_the_reports_there_are_and_writes_nothing(report, tmp_path):
    out = tmp_path / "x.pdf"
    result = report("quarterly", "--out", str(out))
    assert result.exit_code == 2 and "error NOT_FOUND" in result.output
    assert all(name in result.output for name in service.REPORTS)
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, says", [
    (["settlement"], "needs --claim"),
    (["publicity", "--batch", "1"], "takes no --batch"),
    (["settlement", "--claim", "999"], "NOT_FOUND"),
    (["account-statement", "--account", "scheme:1:payable", "--from", "2026-03-02", "--to", "2026-03-01"],
     "VALIDATION_ERROR"),
])
def test_a_report_that_cannot_be_made_exits_2_with_the_error_and_leaves_no_file(db, report, tmp_path, args, says):
    result = report(*args, "--out", str(tmp_path / "r.pdf"))
    assert result.exit_code == 2 and says in result.output
    assert list(tmp_path.iterdir()) == []


def test_every_option_of_every_report_is_an_option_of_the_command():
    flags = {flag for flag, _, _ in cli._REPORT_OPTIONS}
    assert {o.flag for r in service.REPORTS.values() for o in r.options} == flags


def test_the_ledger_export_as_beancount_passes_bean_check(pilot, scheme, sent, runner, tmp_path):
    out = tmp_path / "ledger.beancount"
    result = runner.invoke(cli.ledger_export, ["--format", "beancount", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    check = subprocess.run([str(BEAN_CHECK), str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert out.read_text(encoding="utf-8").count("journal_id: ") == pilot.verify()["journals"]


def test_the_installed_command_writes_the_publicity_list(db, tmp_path):
    url = db.url.render_as_string(hide_password=False)
    out = tmp_path / "公示名单.pdf"
    done = run(url, "report", "publicity", "--out", str(out))
    assert "公示名单 written to" in done.stderr
    assert "当前没有处于公示期的兑付申请" in pdf_text(out.read_bytes())
