"""Errors of cluster pilots."""
from kernel.errors import Conflict, NotFound


class ClusterNotFound(NotFound):
    pass


class LeadLimitExceeded(Conflict):
    code = "LEAD_LIMIT_EXCEEDED"


class DuplicateMember(Conflict):
    code = "DUPLICATE_MEMBER"
