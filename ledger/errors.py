from kernel.errors import Conflict, DomainError, NotFound, ValidationError


class UnbalancedJournal(ValidationError):
    code = "UNBALANCED_JOURNAL"


class InvalidJournal(ValidationError):
    code = "INVALID_JOURNAL"


class UnknownAccount(ValidationError):
    code = "UNKNOWN_ACCOUNT"


class NegativeBalance(Conflict):
    code = "NEGATIVE_BALANCE"


class PeriodClosed(Conflict):
    code = "PERIOD_CLOSED"


class PeriodNotEnded(Conflict):
    code = "PERIOD_NOT_ENDED"


class PeriodAlreadyClosed(Conflict):
    code = "PERIOD_ALREADY_CLOSED"


class IdempotencyMismatch(Conflict):
    code = "IDEMPOTENCY_MISMATCH"


class AlreadyReversed(Conflict):
    code = "ALREADY_REVERSED"


class ReservationClosed(Conflict):
    code = "RESERVATION_CLOSED"


class ReservationExceeded(Conflict):
    code = "RESERVATION_EXCEEDED"


class LedgerInconsistent(Conflict):
    """A non-chained table disagrees with the hash-chained journals (tampering or a bug)."""
    code = "LEDGER_INCONSISTENT"


class JournalNotFound(NotFound):
    pass


__all__ = [n for n in dir() if n[0].isupper() and n != "DomainError"] + ["DomainError"]
