"""Errors about organisations."""
from kernel.errors import Conflict, NotFound


class OrganisationNotFound(NotFound):
    pass


class DuplicateOrganisation(Conflict):
    code = "DUPLICATE_ORGANISATION"
