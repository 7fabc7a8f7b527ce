"""Errors of claims and their evidence."""
from kernel.errors import Conflict, NotFound, ValidationError


class ClaimNotFound(NotFound):
    pass


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
