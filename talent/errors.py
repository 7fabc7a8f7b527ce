"""Errors of training programmes, trainees and talent claims."""
from kernel.errors import Conflict, NotFound
from schemes.errors import WrongSchemeKind  # noqa: F401  (a talent claim needs a talent scheme)


class TrainingNotFound(NotFound):
    pass


class TraineeNotFound(NotFound):
    pass


class DuplicateTrainee(Conflict):
    """The same person (by the digest of the ID number) enrolled twice in one programme."""
    code = "DUPLICATE_TRAINEE"


class TraineeClaimed(Conflict):
    """A trainee held by a claim under review, in publicity or paid: its completion is what the
    claim was priced on and cannot change (it can while the claim is returned for rework)."""
    code = "TRAINEE_CLAIMED"


class TraineeAlreadyClaimed(Conflict):
    """The same trainee in the same programme is never paid twice."""
    code = "TRAINEE_ALREADY_CLAIMED"


class TraineeNotQualified(Conflict):
    code = "TRAINEE_NOT_QUALIFIED"


class NothingToClaim(Conflict):
    code = "NOTHING_TO_CLAIM"


class CapExhausted(Conflict):
    code = "CAP_EXHAUSTED"


class BudgetExhausted(Conflict):
    code = "BUDGET_EXHAUSTED"


class OutsideApplicationWindow(Conflict):
    code = "OUTSIDE_APPLICATION_WINDOW"
