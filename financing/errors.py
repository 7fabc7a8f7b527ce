"""Financing errors (POLICY.md §8): each a ``DomainError`` with a stable code the API prints as is."""
from kernel.errors import Conflict, InvalidState, NotFound, ValidationError


class InvalidLoanTerms(ValidationError):
    """Principal, rate, term, method or first due date out of range; ``details["field"]`` names it."""
    code = "INVALID_LOAN_TERMS"


class InvalidRepayment(ValidationError):
    """A repayment amount that is not positive money with two decimals, or a date that is not a date."""
    code = "INVALID_REPAYMENT"


class RepaymentBeforeStart(Conflict):
    code = "REPAYMENT_BEFORE_START"


class RepaymentOutOfOrder(Conflict):
    """A repayment dated before one already applied: prepayments recompute the schedule, so the
    order of repayments decides the allocations; a back-dated one is a correction, not a repayment."""
    code = "REPAYMENT_OUT_OF_ORDER"


class RepaymentExceedsOwed(Conflict):
    code = "REPAYMENT_EXCEEDS_OWED"


class LoanNotInDefault(Conflict):
    """The guarantor buys back a loan only once it is in default."""
    code = "LOAN_NOT_IN_DEFAULT"


class NothingToBuyBack(Conflict):
    """Nothing is left to buy back: the loan is repaid."""
    code = "NOTHING_TO_BUY_BACK"


class InvalidRewardRequest(ValidationError):
    """A reward asked for a period range, share, benchmark or cap that makes no sense."""
    code = "INVALID_REWARD_REQUEST"


class NoInterestPaid(Conflict):
    """A period in the reward's range where the enterprise has paid no interest at all."""
    code = "NO_INTEREST_PAID"


class InterestAlreadyRewarded(Conflict):
    """A period in the reward's range whose paid interest has all been rewarded already."""
    code = "INTEREST_ALREADY_REWARDED"


class InvalidAdvance(ValidationError):
    code = "INVALID_ADVANCE"


class AdvanceOverLimit(Conflict):
    """Order financing: the advance is above ``advance_ratio`` × the contract amount."""
    code = "ADVANCE_OVER_LIMIT"


# --- the service's own (loans as stored, rewards as claims) ------------------------------------

class LoanNotFound(NotFound):
    pass


class LoanClosed(InvalidState):
    """The loan is repaid or bought back: nothing more can be recorded on it."""
    code = "LOAN_CLOSED"


class BudgetExhausted(Conflict):
    """A reward is not waitlisted: the scheme's available budget cannot cover it now."""
    code = "BUDGET_EXHAUSTED"


class RewardCapExhausted(Conflict):
    """The enterprise's cap in this scheme is used up by its earlier rewards."""
    code = "CAP_EXHAUSTED"


class NothingToReward(Conflict):
    """The interest counted earns a reward that rounds down to 0.00."""
    code = "NOTHING_TO_CLAIM"
