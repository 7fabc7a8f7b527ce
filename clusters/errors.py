"""Errors of cluster pilots."""
from kernel.errors import Conflict, NotFound, ValidationError


class ClusterNotFound(NotFound):
    pass


class LeadLimitExceeded(Conflict):
    code = "LEAD_LIMIT_EXCEEDED"


class DuplicateMember(Conflict):
    code = "DUPLICATE_MEMBER"


class DuplicateRecord(Conflict):
    """The same experience centre or benchmark case recorded twice for one pilot."""
    code = "DUPLICATE_RECORD"


class ApplicationNotFound(NotFound):
    pass


class PartnerNotRegistered(ValidationError):
    """A partner (联合单位) that is not a registered organisation, or one that cannot be a partner."""
    code = "PARTNER_NOT_REGISTERED"


class ProductNotApproved(ValidationError):
    code = "PRODUCT_NOT_APPROVED"


class ProductNotInAlliance(ValidationError):
    """Annex 5 lists the alliance's products only: the lead's and its partners'."""
    code = "PRODUCT_NOT_IN_ALLIANCE"


class AssessmentExists(Conflict):
    code = "ASSESSMENT_EXISTS"
