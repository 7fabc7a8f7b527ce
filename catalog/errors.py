"""Organisations, their products, item kinds, subsidy standards and listing review."""
from kernel.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError  # noqa: F401


class OrganisationNotFound(NotFound):
    pass


class DuplicateOrganisation(Conflict):
    code = "DUPLICATE_ORGANISATION"


class ProductNotFound(NotFound):
    pass


class ProductNotApproved(Conflict):
    """A contract line names a product with no approved version."""
    code = "PRODUCT_NOT_APPROVED"


class ProductNotValidOnDate(Conflict):
    """Approved versions exist, but none is valid on the contract's signing date."""
    code = "PRODUCT_NOT_VALID_ON_DATE"


class SelfApproval(Forbidden):
    """Maker-checker: nobody reviews what they or their organisation submitted."""
    code = "SELF_APPROVAL"


class InvalidProductState(Conflict):
    """The product's latest version is not in a status that allows this step."""
    code = "INVALID_STATE"


class DuplicateProduct(Conflict):
    code = "DUPLICATE_PRODUCT"
