"""Errors about schemes, their budgets and who may apply to them."""
from kernel.errors import Conflict, NotFound


class SchemeNotFound(NotFound):
    pass


class EnterpriseIneligible(Conflict):
    code = "ENTERPRISE_INELIGIBLE"


class WrongSchemeKind(Conflict):
    code = "WRONG_SCHEME_KIND"
