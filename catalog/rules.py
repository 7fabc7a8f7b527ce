"""Pure catalogue rules: item kinds, subsidy standards and the line subsidy they give, and the
checks on a product's fields. Stdlib and ``kernel`` only: no framework, no database."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Union

from kernel import text as safe_text
from kernel.errors import ValidationError
from kernel.money import FEN, format_fen, from_fen, parse_money, round_down_fen, to_fen

# --------------------------------------------------------------------------------------------
# Item kinds (POLICY.md §4)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemKind:
    code: str
    label_zh: str
    unit: str
    countable: bool  # whole units (台, 套, 条·年 …); only coverage area is measured, in m² with 2 decimals


# Cloud kinds have no unit in the notice; we sell them the way providers quote them:
# IaaS per cloud host and year (台·年), PaaS per platform subscription and year (套·年),
# SaaS per user account and year (账号·年).
ITEM_KINDS: dict[str, ItemKind] = {k.code: k for k in (
    ItemKind("coverage_area", "内网覆盖面积", "m²", False),
    ItemKind("cpe_gateway", "工业级CPE网关节点", "台", True),
    ItemKind("mec_server", "边缘计算MEC服务器", "台", True),
    ItemKind("mep", "移动边缘平台MEP", "套", True),
    ItemKind("capability_exposure", "服务能力开放平台", "套", True),
    ItemKind("upf_line", "UPF专线", "条·年", True),
    ItemKind("indoor_small_cell", "室内微站", "个", True),
    ItemKind("network_slice", "高可靠网络切片", "条·月", True),
    ItemKind("industrial_terminal", "5G工业终端", "台", True),
    ItemKind("industrial_app", "工业APP", "套·年", True),
    ItemKind("iaas", "云基础设施服务IaaS", "台·年", True),
    ItemKind("paas", "平台服务PaaS", "套·年", True),
    ItemKind("saas", "软件服务SaaS", "账号·年", True),
)}
FIVE_G_KINDS = tuple(k for k in ITEM_KINDS if k not in ("iaas", "paas", "saas"))

# What people type in spreadsheets for the same unit.
_UNIT_ALIASES = {"m2": "m²", "㎡": "m²", "平方米": "m²", "平米": "m²"}


def normalise_unit(unit: str) -> str:
    text = unit.strip().replace("/", "·").replace("／", "·").replace("・", "·").replace("•", "·")
    return _UNIT_ALIASES.get(text, text)


def item_kind_code(text: str) -> str | None:
    """The code for an item kind given as its code or its Chinese label; None if unknown."""
    text = text.strip()
    if text in ITEM_KINDS:
        return text
    for kind in ITEM_KINDS.values():
        if text == kind.label_zh:
            return kind.code
    return None


def check_quantity(item_kind: str, quantity: Decimal, *, field: str = "quantity") -> Decimal:
    """A contract line's quantity: whole units for countable kinds, m² with at most 2 decimals."""
    kind = ITEM_KINDS.get(item_kind)
    if kind is None:
        raise ValidationError(f"unknown item kind {item_kind!r}", field="item_kind")
    if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity.adjusted() > 9:
        raise ValidationError("quantity must be a decimal number below 1,000,000,000", field=field)
    if quantity <= 0:
        raise ValidationError("quantity must be positive", field=field)
    if kind.countable and quantity != quantity.to_integral_value():
        raise ValidationError(f"{kind.label_zh} is counted in whole {kind.unit}; {quantity} is not whole",
                              field=field)
    if quantity != quantity.quantize(FEN):
        raise ValidationError(f"quantity {quantity} has more than two decimals", field=field)
    return quantity


# --------------------------------------------------------------------------------------------
# Subsidy standards (奖补标准)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RatioStandard:
    """``rate × line amount``."""
    rate: Decimal
    cap: Decimal | None = None
    kind: ClassVar[str] = "ratio"


@dataclass(frozen=True)
class PerUnitStandard:
    """``amount × quantity``."""
    amount: Decimal
    cap: Decimal | None = None
    kind: ClassVar[str] = "per_unit"


@dataclass(frozen=True)
class Band:
    """The part of the line amount up to ``upto`` (from the previous band's ``upto``) at ``rate``."""
    upto: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class TieredStandard:
    """Progressive bands over the line amount, like tax brackets."""
    bands: tuple[Band, ...]
    cap: Decimal | None = None
    kind: ClassVar[str] = "tiered"


Standard = Union[RatioStandard, PerUnitStandard, TieredStandard]
STANDARD_KINDS = ("ratio", "per_unit", "tiered")
_STANDARD_KEYS = {"ratio": {"kind", "rate", "cap"}, "per_unit": {"kind", "amount", "cap"},
                  "tiered": {"kind", "bands", "cap"}}


@dataclass(frozen=True)
class LineSubsidy:
    before_cap: Decimal
    subsidy: Decimal
    cap_applied: bool


def _bad(message: str, path: str | None = None) -> ValidationError:
    details = {"path": path} if path else None
    return ValidationError(message, field="standard", details=details)


def _std_money(value: Any, path: str) -> Decimal:
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.quantize(FEN):
            raise _bad(f"{path} must be money with two decimals, got {value}", path)
        value = format_fen(to_fen(value))
    if not isinstance(value, str):
        raise _bad(f"{path} must be a string with two decimals such as \"300.00\", got {value!r}", path)
    try:
        fen = parse_money(value)
    except ValueError as exc:
        raise _bad(f"{path}: {exc}", path) from exc
    if fen <= 0:
        raise _bad(f"{path} must be positive, got {value}", path)
    return from_fen(fen)


def _std_rate(value: Any, path: str) -> Decimal:
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise _bad(f"{path} must be a decimal such as \"0.30\", got {value!r}", path) from None
    if not isinstance(value, Decimal):
        raise _bad(f"{path} must be a string such as \"0.30\", got {value!r}", path)
    if not value.is_finite() or not (Decimal(0) < value <= Decimal(1)):
        raise _bad(f"{path} must be in (0, 1], got {value}", path)
    if value.as_tuple().exponent < -4:
        raise _bad(f"{path} has more than four decimals: {value}", path)
    return canonical_rate(value)


def canonical_rate(rate: Decimal) -> Decimal:
    """0.3, 0.300 and 0.30 are one rate; we keep it as "0.30" (at least two decimals)."""
    rate = rate.normalize()
    if rate.as_tuple().exponent > -2:
        rate = rate.quantize(Decimal("0.01"))
    return rate


def parse_standard(data: Any) -> Standard:
    """Validate the API's JSON shape of a standard (money and rates as strings)."""
    if isinstance(data, (RatioStandard, PerUnitStandard, TieredStandard)):
        data = standard_to_dict(data)  # re-validate: a dataclass can be built with anything
    if not isinstance(data, dict):
        raise _bad("standard must be an object such as {\"kind\": \"ratio\", \"rate\": \"0.30\"}")
    kind = data.get("kind")
    if kind not in STANDARD_KINDS:
        raise _bad(f"standard kind must be one of {', '.join(STANDARD_KINDS)}, got {kind!r}", "kind")
    extra = sorted(set(data) - _STANDARD_KEYS[kind])
    if extra:
        raise _bad(f"a {kind} standard has no {', '.join(extra)}", extra[0])
    cap = data.get("cap")
    cap = None if cap is None else _std_money(cap, "cap")
    if kind == "ratio":
        if "rate" not in data:
            raise _bad("a ratio standard needs rate", "rate")
        return RatioStandard(rate=_std_rate(data["rate"], "rate"), cap=cap)
    if kind == "per_unit":
        if "amount" not in data:
            raise _bad("a per_unit standard needs amount", "amount")
        return PerUnitStandard(amount=_std_money(data["amount"], "amount"), cap=cap)
    return TieredStandard(bands=_parse_bands(data.get("bands")), cap=cap)


def _parse_bands(raw: Any) -> tuple[Band, ...]:
    if not isinstance(raw, (list, tuple)) or not raw:
        raise _bad("a tiered standard needs a non-empty list of bands", "bands")
    bands: list[Band] = []
    for i, item in enumerate(raw):
        path = f"bands[{i}]"
        if isinstance(item, Band):
            item = {"upto": None if item.upto is None else format_fen(to_fen(item.upto)), "rate": item.rate}
        if not isinstance(item, dict) or set(item) - {"upto", "rate"} or "rate" not in item:
            raise _bad(f"{path} must be {{\"upto\": \"100000.00\" or null, \"rate\": \"0.50\"}}", path)
        last = i == len(raw) - 1
        upto = item.get("upto")
        if upto is None and not last:
            raise _bad(f"{path} is open-ended but is not the last band; only the last band may be open-ended",
                       f"{path}.upto")
        if upto is not None and last:
            raise _bad(f"the last band must be open-ended (\"upto\": null); use cap to limit the subsidy",
                       f"{path}.upto")
        upto = None if upto is None else _std_money(upto, f"{path}.upto")
        if upto is not None and bands and upto <= bands[-1].upto:
            raise _bad(f"bands must be strictly increasing: {path}.upto {upto} is not above "
                       f"{bands[-1].upto}", f"{path}.upto")
        bands.append(Band(upto=upto, rate=_std_rate(item["rate"], f"{path}.rate")))
    return tuple(bands)


def _money_str(value: Decimal | None) -> str | None:
    return None if value is None else format_fen(to_fen(value))


def standard_to_dict(std: Standard) -> dict[str, Any]:
    """The API's JSON shape; ``cap`` is left out when there is none."""
    if isinstance(std, RatioStandard):
        out: dict[str, Any] = {"kind": "ratio", "rate": str(std.rate)}
    elif isinstance(std, PerUnitStandard):
        out = {"kind": "per_unit", "amount": _money_str(std.amount)}
    elif isinstance(std, TieredStandard):
        out = {"kind": "tiered", "bands": [{"upto": _money_str(b.upto), "rate": str(b.rate)} for b in std.bands]}
    else:
        raise TypeError(f"not a standard: {std!r}")
    if std.cap is not None:
        out["cap"] = _money_str(std.cap)
    return out


def _tiered_raw(bands: tuple[Band, ...], amount: Decimal) -> Decimal:
    total, floor = Decimal(0), Decimal(0)
    for band in bands:
        top = amount if band.upto is None else min(amount, band.upto)
        if top <= floor:
            break
        total += (top - floor) * band.rate
        if band.upto is None:
            break
        floor = band.upto
    return total


def line_subsidy(standard: Standard, *, quantity: Decimal, amount: Decimal) -> LineSubsidy:
    """One contract line's subsidy by its standard: rounded down to the fen, then capped."""
    for name, value in (("quantity", quantity), ("amount", amount)):
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
            raise ValidationError(f"{name} must be a non-negative Decimal, got {value!r}", field=name)
    if isinstance(standard, RatioStandard):
        raw = standard.rate * amount
    elif isinstance(standard, PerUnitStandard):
        raw = standard.amount * quantity
    elif isinstance(standard, TieredStandard):
        raw = _tiered_raw(standard.bands, amount)
    else:
        raise TypeError(f"not a standard: {standard!r}")
    before_cap = round_down_fen(raw)
    if standard.cap is not None and before_cap > standard.cap:
        return LineSubsidy(before_cap=before_cap, subsidy=standard.cap, cap_applied=True)
    return LineSubsidy(before_cap=before_cap, subsidy=before_cap, cap_applied=False)


# --------------------------------------------------------------------------------------------
# The standard as Annex 5 text (奖补标准 column): written by the export, read by the import
# --------------------------------------------------------------------------------------------

def _pct(rate: Decimal) -> str:
    return format((rate * 100).normalize(), "f") + "%"


def describe_standard(std: Standard, unit: str) -> str:
    """e.g. "按合同金额30%补贴，每项最高40000.00元" (the cap applies per contract line)."""
    if isinstance(std, RatioStandard):
        text = f"按合同金额{_pct(std.rate)}补贴"
    elif isinstance(std, PerUnitStandard):
        text = f"每{unit}补贴{_money_str(std.amount)}元"
    else:
        parts, floor = [], None
        for band in std.bands:
            if band.upto is None:
                parts.append(f"{_money_str(floor)}元以上部分{_pct(band.rate)}" if floor is not None
                             else f"全部金额{_pct(band.rate)}")
            elif floor is None:
                parts.append(f"{_money_str(band.upto)}元及以下部分{_pct(band.rate)}")
            else:
                parts.append(f"{_money_str(floor)}元至{_money_str(band.upto)}元部分{_pct(band.rate)}")
            floor = band.upto
        text = "按合同金额分档累进补贴：" + "，".join(parts)
    if std.cap is not None:
        text += f"，每项最高{_money_str(std.cap)}元"
    return text


_NUM = r"(\d+(?:\.\d+)?)"
_CAP_RE = re.compile(r"[，,；;]\s*每项最高\s*" + _NUM + r"\s*元\s*$")
_RATIO_RE = re.compile(r"^按合同金额\s*" + _NUM + r"\s*[%％]\s*补贴$")
_PER_UNIT_RE = re.compile(r"^每\s*(.+?)\s*补贴\s*" + _NUM + r"\s*元$")
_TIERED_RE = re.compile(r"^按合同金额分档累进补贴\s*[:：]\s*(.+)$")
_FIRST_BAND_RE = re.compile(r"^" + _NUM + r"\s*元及以下部分\s*" + _NUM + r"\s*[%％]$")
_MID_BAND_RE = re.compile(r"^" + _NUM + r"\s*元至\s*" + _NUM + r"\s*元部分\s*" + _NUM + r"\s*[%％]$")
_LAST_BAND_RE = re.compile(r"^" + _NUM + r"\s*元以上部分\s*" + _NUM + r"\s*[%％]$")
_ONLY_BAND_RE = re.compile(r"^全部金额\s*" + _NUM + r"\s*[%％]$")
STANDARD_TEXT_EXAMPLES = ("按合同金额30%补贴，每项最高40000.00元", "每台补贴300.00元",
                          "按合同金额分档累进补贴：100000.00元及以下部分50%，100000.00元以上部分30%")


def _yuan_text(text: str) -> str:
    """Spreadsheet money ("300" or "300.5") as the API's two-decimal string; more decimals stay wrong."""
    d = Decimal(text)
    return format(d.quantize(FEN), "f") if d.as_tuple().exponent >= -2 else text


def _rate_text(pct: str) -> Decimal:
    return Decimal(pct) / 100


def parse_standard_text(text: str, unit: str) -> Standard:
    """Read the 奖补标准 cell: the text ``describe_standard`` writes, or the API's JSON object."""
    if not isinstance(text, str) or not text.strip():
        raise _bad("奖补标准 is empty")
    text = text.strip()
    if text.startswith("{"):
        try:
            return parse_standard(json.loads(text, parse_float=Decimal, parse_int=Decimal))
        except json.JSONDecodeError as exc:
            raise _bad(f"奖补标准 looks like JSON but is not valid JSON: {exc.msg}") from None
    cap = None
    m = _CAP_RE.search(text)
    if m:
        cap, text = _yuan_text(m.group(1)), text[:m.start()].strip()
    if m := _RATIO_RE.match(text):
        return parse_standard({"kind": "ratio", "rate": _rate_text(m.group(1)), "cap": cap})
    if m := _PER_UNIT_RE.match(text):
        if normalise_unit(m.group(1)) != normalise_unit(unit):
            raise _bad(f"奖补标准 is per {m.group(1)} but the product is sold per {unit}")
        return parse_standard({"kind": "per_unit", "amount": _yuan_text(m.group(2)), "cap": cap})
    if m := _TIERED_RE.match(text):
        return parse_standard({"kind": "tiered", "bands": _bands_from_text(m.group(1)), "cap": cap})
    raise _bad("奖补标准 is not understood; write it like " + " / ".join(STANDARD_TEXT_EXAMPLES)
               + ", or as the API's JSON object")


def _bands_from_text(text: str) -> list[dict[str, Any]]:
    parts = [p.strip() for p in re.split(r"[，,；;]", text) if p.strip()]
    bands: list[dict[str, Any]] = []
    floor: str | None = None
    for i, part in enumerate(parts):
        if m := _FIRST_BAND_RE.match(part):
            lower, upper, pct = None, m.group(1), m.group(2)
        elif m := _MID_BAND_RE.match(part):
            lower, upper, pct = m.group(1), m.group(2), m.group(3)
        elif m := _LAST_BAND_RE.match(part):
            lower, upper, pct = m.group(1), None, m.group(2)
        elif m := _ONLY_BAND_RE.match(part):
            lower, upper, pct = None, None, m.group(1)
        else:
            raise _bad(f"band {i + 1} of 奖补标准 is not understood: {part!r}; write e.g. "
                       "100000.00元及以下部分50%，100000.00元至500000.00元部分30%，500000.00元以上部分10%")
        lower = None if lower is None else _yuan_text(lower)
        if (lower is None) != (floor is None) or (lower is not None and Decimal(lower) != Decimal(floor)):
            raise _bad(f"band {i + 1} of 奖补标准 must start where band {i} ends ({floor or '0'}元)",
                       f"bands[{i}]")
        upper = None if upper is None else _yuan_text(upper)
        bands.append({"upto": upper, "rate": _rate_text(pct)})
        floor = upper
    return bands


# --------------------------------------------------------------------------------------------
# A product's fields (Annex 5 plus kind, unit, price, validity)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProductSpec:
    name: str
    item_kind: str
    unit: str
    unit_price: Decimal
    scenario: str
    modules: tuple[str, ...]
    expected_effect: str
    standard: Standard
    valid_from: dt.date
    valid_to: dt.date


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    path: str | None = None  # inside a standard, e.g. "bands[1].upto"


PRODUCT_FIELDS = ("name", "item_kind", "unit", "unit_price", "scenario", "modules", "expected_effect",
                  "standard", "valid_from", "valid_to")
MAX_TEXT = 2000


def _text(problems: list[Problem], field: str, label: str, value: Any, max_len: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(field, f"{label} is required"))
        return None
    value = value.strip()
    if len(value) > max_len:
        problems.append(Problem(field, f"{label} has {len(value)} characters; at most {max_len}"))
        return None
    problem = _spreadsheet_text_problem(value, label, name=field == "name")
    if problem:
        problems.append(Problem(field, problem))
        return None
    return value


def _spreadsheet_text_problem(value: str, label: str, *, name: bool) -> str | None:
    """Annex 5 texts are published and opened in spreadsheets: none may start like a formula; a
    name carries no invisible characters either."""
    if name:
        return safe_text.name_problem(value, label)
    if safe_text.starts_like_formula(value):
        return f"{label} cannot start with = + - @ (it would run as a spreadsheet formula)"
    return None


def check_product(*, name: Any, item_kind: Any, unit: Any, unit_price: Any, scenario: Any, modules: Any,
                  expected_effect: Any, standard: Any, valid_from: Any,
                  valid_to: Any) -> tuple[ProductSpec | None, tuple[Problem, ...]]:
    """Every problem of a product's fields at once (an import reports them all)."""
    p: list[Problem] = []
    name = _text(p, "name", "产品名称 name", name, 200)
    scenario = _text(p, "scenario", "应用场景 scenario", scenario, MAX_TEXT)
    expected_effect = _text(p, "expected_effect", "预期效果 expected_effect", expected_effect, MAX_TEXT)

    kind = ITEM_KINDS.get(item_kind) if isinstance(item_kind, str) else None
    if kind is None:
        p.append(Problem("item_kind", f"unknown item kind {item_kind!r}; kinds are {', '.join(ITEM_KINDS)}"))
    if not isinstance(unit, str) or not unit.strip():
        p.append(Problem("unit", "unit is required"))
        unit = None
    else:
        unit = normalise_unit(unit)
        if kind is not None and unit != kind.unit:
            p.append(Problem("unit", f"{kind.code} ({kind.label_zh}) is sold per {kind.unit}, not {unit}"))

    if not isinstance(unit_price, Decimal) or not unit_price.is_finite():
        p.append(Problem("unit_price", "unit price must be money such as \"1000.00\""))
        unit_price = None
    elif unit_price <= 0:
        p.append(Problem("unit_price", f"unit price must be positive, got {unit_price}"))
    elif unit_price != unit_price.quantize(FEN):
        p.append(Problem("unit_price", f"unit price {unit_price} has more than two decimals"))

    if isinstance(modules, str) or not isinstance(modules, (list, tuple)) or not modules:
        p.append(Problem("modules", "功能模块 modules must be a non-empty list of module names"))
        modules = None
    else:
        cleaned = tuple(m.strip() for m in modules if isinstance(m, str))
        if len(cleaned) != len(modules) or not all(cleaned):
            p.append(Problem("modules", "every 功能模块 module must be a non-empty text"))
        elif len(cleaned) > 50 or any(len(m) > 100 for m in cleaned):
            p.append(Problem("modules", "at most 50 modules of at most 100 characters each"))
        elif any(safe_text.starts_like_formula(m) for m in cleaned):
            p.append(Problem("modules", "a 功能模块 module cannot start with = + - @ (it would run as a spreadsheet "
                                        "formula)"))
        modules = cleaned

    try:
        standard = parse_standard(standard)
    except ValidationError as exc:
        p.append(Problem("standard", exc.message, exc.details.get("path")))
        standard = None

    for field, value in (("valid_from", valid_from), ("valid_to", valid_to)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            p.append(Problem(field, f"{field} must be a date (YYYY-MM-DD)"))
    if isinstance(valid_from, dt.date) and isinstance(valid_to, dt.date) and valid_to < valid_from:
        p.append(Problem("valid_to", f"validity ends ({valid_to.isoformat()}) before it starts "
                                     f"({valid_from.isoformat()})"))
    if p:
        return None, tuple(p)
    return ProductSpec(name=name, item_kind=kind.code, unit=unit, unit_price=unit_price.quantize(FEN),
                       scenario=scenario, modules=modules, expected_effect=expected_effect, standard=standard,
                       valid_from=valid_from, valid_to=valid_to), ()


def product_spec(**fields: Any) -> ProductSpec:
    """``check_product`` for one product: raises VALIDATION_ERROR naming the first bad field."""
    spec, problems = check_product(**fields)
    if problems:
        first = problems[0]
        details: dict[str, Any] = {"problems": [{"field": q.field, "message": q.message} for q in problems]}
        if first.path:
            details["path"] = first.path
        raise ValidationError(first.message, field=first.field, details=details)
    return spec
