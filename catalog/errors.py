from kernel.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError  # noqa: F401


class OrganisationNotFound(NotFound):
    pass


class DuplicateOrganisation(Conflict):
    code = "DUPLICATE_ORGANISATION"
