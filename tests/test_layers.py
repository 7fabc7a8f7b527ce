"""Architecture rules that a review could miss: what each package may import, and pure rules."""
from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FRAMEWORKS = ("flask", "sqlalchemy", "sqlmodel", "marshmallow")

# Dependencies point down (DESIGN.md): the shell → reports → the claim kinds (vouchers, financing,
# talent) and payouts → claims → schemes → ledger → kernel; catalog and parties sit low. Each
# package lists every package of ours it may import; anything else is a dependency pointing up.
LOW = {"kernel", "adapters"}
ALLOWED: dict[str, set[str]] = {
    "kernel": set(),
    "adapters": {"kernel"},
    "ledger": LOW,
    "parties": LOW,
    "catalog": LOW | {"parties"},
    "schemes": LOW | {"ledger", "parties"},
    "claims": LOW | {"ledger", "parties", "schemes"},
    "clusters": LOW | {"parties", "catalog", "schemes", "claims"},
    "payouts": LOW | {"ledger", "parties", "schemes", "claims"},
    "vouchers": LOW | {"ledger", "parties", "catalog", "schemes", "claims", "clusters"},
    "financing": LOW | {"ledger", "parties", "catalog", "schemes", "claims", "clusters", "vouchers"},
    "talent": LOW | {"ledger", "parties", "catalog", "schemes", "claims", "clusters"},
    "reports": LOW | {"ledger", "parties", "catalog", "schemes", "claims", "clusters", "vouchers", "financing",
                      "talent", "payouts"},
    # the web portal sits at the top beside the shell: it reads every package and the shell's users
    # and passwords; only ``yunquan.app`` imports it (to register its Blueprint)
    "portal": LOW | {"ledger", "parties", "catalog", "schemes", "claims", "clusters", "vouchers", "financing",
                     "talent", "payouts", "reports", "yunquan"},
}
OURS = set(ALLOWED) | {"yunquan"}


def imported_packages(path: pathlib.Path) -> set[str]:
    """Top-level packages of ours a module imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


def offenders() -> list[str]:
    bad = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for other in sorted(imported_packages(path) - allowed - {package}):
                bad.append(f"{path.relative_to(ROOT)} imports {other}")
    return bad


def test_every_package_of_the_project_has_a_place_in_the_layers():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench", "alembic"}
    assert packages <= OURS, f"unplaced packages: {sorted(packages - OURS)}"


def test_dependencies_point_down_only():
    assert offenders() == []


def test_the_layer_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The check itself can fail: a module of claims importing vouchers is reported."""
    fake = tmp_path / "claims"
    fake.mkdir()
    (fake / "bad.py").write_text("from vouchers import redemption\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert offenders() == ["claims/bad.py imports vouchers"]


def test_claims_import_no_kind_of_claim():
    kinds = {"vouchers", "financing", "talent"}
    assert not any(imported_packages(p) & kinds for p in (ROOT / "claims").rglob("*.py"))


def rules_modules():
    return sorted(str(p.relative_to(ROOT).with_suffix("")).replace("/", ".") for p in ROOT.glob("*/rules.py"))


def test_there_are_rules_modules_to_check():
    assert {"ledger.rules", "catalog.rules", "schemes.rules", "claims.rules", "vouchers.rules"} <= set(rules_modules())


def test_importing_any_rules_module_loads_no_framework():
    for module in rules_modules() + ["kernel.money", "kernel.clock", "kernel.errors"]:
        code = (f"import sys, {module}\n"
                f"bad = [m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r}]\n"
                "print(','.join(sorted(bad)))")
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "", f"{module} loads {out.stdout.strip()}"


def test_one_module_writes_every_journal_that_moves_a_schemes_money():
    """Only ``schemes/budget.py`` calls the ledger's writers on behalf of a scheme."""
    writers = ("post(", "post_batch(", "reserve(", "post_pending(", "void_pending(")
    callers = []
    for package in ALLOWED:
        if package == "ledger":
            continue
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if any(f"ledger.{w}" in text for w in writers):
                callers.append(str(path.relative_to(ROOT)))
    assert callers == ["schemes/budget.py"]
