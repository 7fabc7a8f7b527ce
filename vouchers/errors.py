"""Errors of contracts, cloud vouchers and their redemption."""
from kernel.errors import Conflict, InvalidState, NotFound, SelfApproval  # noqa: F401
from schemes.errors import EnterpriseIneligible, SchemeNotFound, WrongSchemeKind  # noqa: F401


class ContractNotFound(NotFound):
    pass


class DuplicateContract(Conflict):
    code = "DUPLICATE_CONTRACT"


class VoucherNotFound(NotFound):
    pass


class OutsideApplicationWindow(Conflict):
    code = "OUTSIDE_APPLICATION_WINDOW"


class DuplicateFunding(Conflict):
    code = "DUPLICATE_FUNDING"


class ProductNotInAlliance(Conflict):
    code = "PRODUCT_NOT_IN_ALLIANCE"


class CapExhausted(Conflict):
    code = "CAP_EXHAUSTED"


class VoucherNotIssued(Conflict):
    code = "VOUCHER_NOT_ISSUED"


class VoucherExpired(Conflict):
    code = "VOUCHER_EXPIRED"


class OutsideRedemptionWindow(Conflict):
    code = "OUTSIDE_REDEMPTION_WINDOW"


class ClaimExists(Conflict):
    code = "CLAIM_EXISTS"


class ClaimUnderpaid(Conflict):
    code = "CLAIM_UNDERPAID"


class NothingToClaim(Conflict):
    code = "NOTHING_TO_CLAIM"


class VoucherAlreadyAssigned(Conflict):
    """Order financing: the voucher's payout is assigned to a financier already."""
    code = "VOUCHER_ALREADY_ASSIGNED"
