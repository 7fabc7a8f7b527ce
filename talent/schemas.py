"""Wire formats of training programmes, trainees and talent claims. Hours are numbers (``40``,
``40.5``) or decimal strings (``"40.5"``); their range is checked by ``talent.rules``."""
from __future__ import annotations

import marshmallow as ma

from adapters.fields import Id, Money
from adapters.paging import PageArgs, page_schema
from talent.rules import LEVELS


class Hours(ma.fields.Field):
    """Hours as sent: an integer, a decimal string, or a JSON number (taken by its shortest
    decimal spelling, so 40.5 is exactly 40.5). The service checks 0 ≤ h ≤ 1,000."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ma.ValidationError("hours must be a number such as 40 or \"40.5\"")
        return repr(value) if isinstance(value, float) else value

    def _serialize(self, value, attr, obj, **kwargs):
        return value

    def _jsonschema_type_mapping(self):  # pragma: no cover - docs only
        return {"type": ["number", "string"], "example": "40.5"}


class TrainingIn(ma.Schema):
    title = ma.fields.String(required=True)
    tracks = ma.fields.List(ma.fields.String(), load_default=list,
                            metadata={"description": "e.g. [\"精益\", \"软件\", \"装备\", \"自动化\", \"工艺材料\"]"})
    online_hours_min = Hours(load_default=None, allow_none=True,
                             metadata={"description": "both minimums or neither (the scheme's defaults: 40 and 16)"})
    offline_hours_min = Hours(load_default=None, allow_none=True)
    fee = Money(required=True, metadata={"description": "the fee per trainee"})


class TrainingOut(ma.Schema):
    id = ma.fields.Integer()
    provider_id = ma.fields.Integer()
    title = ma.fields.String()
    tracks = ma.fields.List(ma.fields.String())
    online_hours_min = ma.fields.String(allow_none=True)
    offline_hours_min = ma.fields.String(allow_none=True)
    minimums_from = ma.fields.String(metadata={"description": "programme | scheme (the claiming scheme's defaults)"})
    fee = Money()


class TrainingListArgs(PageArgs):
    provider_id = Id(load_default=None)


TrainingPage = page_schema(TrainingOut, "TrainingPage")


class TraineeIn(ma.Schema):
    name = ma.fields.String(required=True)
    id_number = ma.fields.String(required=True, load_only=True,
                                 metadata={"description": "resident ID number (18 characters, GB 11643); "
                                                          "stored only as a keyed digest and a masked form"})


class CompletionIn(ma.Schema):
    online_hours = Hours(required=True)
    offline_hours = Hours(required=True)
    certificate_level = ma.fields.Raw(required=True, allow_none=True,
                                      metadata={"description": f"{' | '.join(LEVELS)} | null"})
    fee_paid = Money(required=True)


class TraineeArgs(ma.Schema):
    scheme_id = Id(load_default=None, metadata={"description": "read against this talent scheme "
                                                                "(default: the newest one)"})


class TraineeOut(ma.Schema):
    id = ma.fields.Integer()
    training_id = ma.fields.Integer()
    enterprise_id = ma.fields.Integer()
    name = ma.fields.String()
    id_number_masked = ma.fields.String()
    online_hours = ma.fields.String(allow_none=True)
    offline_hours = ma.fields.String(allow_none=True)
    certificate_level = ma.fields.String(allow_none=True)
    fee_paid = Money(allow_none=True)
    completion_revision = ma.fields.Integer()
    qualified = ma.fields.Boolean()
    missing = ma.fields.List(ma.fields.String(), metadata={
        "description": "why not qualified: no_completion, online_hours, offline_hours, certificate"})
    online_hours_min = ma.fields.String()
    offline_hours_min = ma.fields.String()
    minimums_from = ma.fields.String()
    amount = Money(metadata={"description": "what a claim pays for this trainee now, before the enterprise cap"})
    scheme_id = ma.fields.Integer(allow_none=True)
    settings_version = ma.fields.Integer(allow_none=True)
    claim_id = ma.fields.Integer(allow_none=True, metadata={"description": "the claim holding this trainee"})


class TraineeListArgs(PageArgs, TraineeArgs):
    pass


TraineePage = page_schema(TraineeOut, "TraineePage")


class TalentClaimIn(ma.Schema):
    scheme_id = Id(required=True)
    trainee_ids = ma.fields.List(Id(), required=True)


class TalentResubmitIn(ma.Schema):
    trainee_ids = ma.fields.List(Id(), load_default=None,
                                 metadata={"description": "the trainees to keep (default: all of them)"})
