from kernel.errors import Conflict, Forbidden, NotFound, ValidationError  # noqa: F401


class SchemeNotFound(NotFound):
    pass


class ContractNotFound(NotFound):
    pass


class VoucherNotFound(NotFound):
    pass


class EnterpriseIneligible(Conflict):
    code = "ENTERPRISE_INELIGIBLE"


class OutsideApplicationWindow(Conflict):
    code = "OUTSIDE_APPLICATION_WINDOW"


class DuplicateFunding(Conflict):
    code = "DUPLICATE_FUNDING"


class ProductNotInAlliance(Conflict):
    code = "PRODUCT_NOT_IN_ALLIANCE"


class CapExhausted(Conflict):
    code = "CAP_EXHAUSTED"


class InvalidState(Conflict):
    code = "INVALID_STATE"


class SelfApproval(Forbidden):
    code = "SELF_APPROVAL"


class WrongSchemeKind(Conflict):
    code = "WRONG_SCHEME_KIND"


class LeadLimitExceeded(Conflict):
    code = "LEAD_LIMIT_EXCEEDED"


class VoucherNotIssued(Conflict):
    code = "VOUCHER_NOT_ISSUED"


class VoucherExpired(Conflict):
    code = "VOUCHER_EXPIRED"


class OutsideRedemptionWindow(Conflict):
    code = "OUTSIDE_REDEMPTION_WINDOW"


class ClaimNotFound(NotFound):
    pass


class ClaimExists(Conflict):
    code = "CLAIM_EXISTS"


class ClaimUnderpaid(Conflict):
    code = "CLAIM_UNDERPAID"


class NothingToClaim(Conflict):
    code = "NOTHING_TO_CLAIM"


class EvidenceNotFound(NotFound):
    pass


class EvidenceMissing(ValidationError):
    code = "EVIDENCE_MISSING"


class EvidenceInUse(Conflict):
    code = "EVIDENCE_IN_USE"


class EvidenceEmpty(ValidationError):
    code = "EVIDENCE_EMPTY"


class EvidenceTooLarge(ValidationError):
    status = 413
    code = "EVIDENCE_TOO_LARGE"


class EvidenceTypeNotAllowed(ValidationError):
    status = 415
    code = "EVIDENCE_TYPE_NOT_ALLOWED"


class EvidenceFileMissing(NotFound):
    code = "EVIDENCE_FILE_MISSING"


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
