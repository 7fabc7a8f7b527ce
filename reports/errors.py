"""Errors of reports."""
from kernel.errors import Conflict, NotFound, ValidationError  # noqa: F401


class UnknownReport(NotFound):
    """No report of that name (the CLI) or no such report of an object (a claim kind without a
    settlement statement yet)."""


class StatementNotFound(NotFound):
    pass


class AccountNotFound(NotFound):
    pass


class ReportTooLarge(Conflict):
    """A PDF is for reading and signing: beyond ``render.PDF_MAX_ROWS`` rows reportlab would take
    minutes and gigabytes; the XLSX and CSV of the same report stream any size."""
    code = "REPORT_TOO_LARGE"
