"""Errors of payout batches, bank files and bank statements."""
from kernel.errors import Conflict, NotFound, SelfApproval, ValidationError  # noqa: F401


class BatchNotFound(NotFound):
    pass


class BatchNotDraft(Conflict):
    code = "BATCH_NOT_DRAFT"


class BatchNotApproved(Conflict):
    code = "BATCH_NOT_APPROVED"


class BatchBuildRace(Conflict):
    code = "BATCH_BUILD_CONFLICT"


class NothingToPay(Conflict):
    code = "NOTHING_TO_PAY"


class StatementHeaderInvalid(ValidationError):
    code = "STATEMENT_HEADER_INVALID"


class StatementLineInvalid(ValidationError):
    code = "STATEMENT_LINE_INVALID"


class StatementAmountInvalid(StatementLineInvalid):
    code = "STATEMENT_AMOUNT_INVALID"


class StatementDateInvalid(StatementLineInvalid):
    code = "STATEMENT_DATE_INVALID"


class StatementEmpty(ValidationError):
    code = "STATEMENT_EMPTY"


class BankTxnConflict(Conflict):
    code = "BANK_TXN_CONFLICT"
