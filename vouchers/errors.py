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
