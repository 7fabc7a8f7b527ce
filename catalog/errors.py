"""Products, item kinds, subsidy standards and listing review."""
from kernel.errors import (  # noqa: F401
    Conflict,
    DomainError,
    Forbidden,
    InvalidState,
    NotFound,
    SelfApproval,
    ValidationError,
)


class ProductNotFound(NotFound):
    pass


class ProductNotApproved(Conflict):
    """A contract line names a product with no approved version."""
    code = "PRODUCT_NOT_APPROVED"


class ProductNotValidOnDate(Conflict):
    """Approved versions exist, but none is valid on the contract's signing date."""
    code = "PRODUCT_NOT_VALID_ON_DATE"


class InvalidProductState(InvalidState):
    """The product's latest version is not in a status that allows this step."""


class DuplicateProduct(Conflict):
    code = "DUPLICATE_PRODUCT"
