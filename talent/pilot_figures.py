"""What talent vouchers count towards a pilot's yearly assessment (registered with
``clusters.assessment`` at start-up): the trainees of its member enterprises who qualify (both hour
minimums and a certificate), each person once, read against the newest talent scheme's defaults
where a programme set no minimums."""
from __future__ import annotations

from sqlmodel import select

from adapters.tables import one_of
from talent import rules
from talent import service as talent
from talent.models import Trainee, TraineeCompletion, Training


def assessment_figures(session, scope) -> dict[str, int]:
    if not scope.enterprises:
        return {"qualified_trainees": 0}
    _, settings = talent.reference_scheme(session, None)
    rows = session.exec(select(Trainee, TraineeCompletion, Training)
                        .join(TraineeCompletion, TraineeCompletion.trainee_id == Trainee.id)
                        .join(Training, Training.id == Trainee.training_id)
                        .where(one_of(session, Trainee.enterprise_id, list(scope.enterprises)))).all()
    people = {trainee.id_digest for trainee, completion, training in rows
              if rules.qualification(talent.completion_of(completion), talent.minimums_of(training, settings)).qualified}
    return {"qualified_trainees": len(people)}
