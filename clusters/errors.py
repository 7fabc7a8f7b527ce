"""Errors of cluster pilots."""
from kernel.errors import Conflict, NotFound


class ClusterNotFound(NotFound):
    pass


class LeadLimitExceeded(Conflict):
    code = "LEAD_LIMIT_EXCEEDED"


class DuplicateMember(Conflict):
    code = "DUPLICATE_MEMBER"


class DuplicateRecord(Conflict):
    """The same experience centre or benchmark case recorded twice for one pilot."""
    code = "DUPLICATE_RECORD"
