"""Architecture rules that a review could miss."""
from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FRAMEWORKS = ("flask", "sqlalchemy", "sqlmodel", "marshmallow")
DOMAINS = ("catalog", "vouchers", "financing", "ledger", "reports")


def rules_modules():
    return sorted(str(p.relative_to(ROOT).with_suffix("")).replace("/", ".") for p in ROOT.glob("*/rules.py"))


def test_there_are_rules_modules_to_check():
    assert "ledger.rules" in rules_modules() and "catalog.rules" in rules_modules()


def test_importing_any_rules_module_loads_no_framework():
    for module in rules_modules():
        code = (f"import sys, {module}\n"
                f"bad = [m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r}]\n"
                "print(','.join(sorted(bad)))")
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "", f"{module} loads {out.stdout.strip()}"


def test_domains_never_import_the_shell():
    offenders = []
    for domain in DOMAINS + ("kernel",):
        for path in (ROOT / domain).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "import yunquan" in text or "from yunquan" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_ledger_imports_no_other_domain():
    offenders = []
    for path in (ROOT / "ledger").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for other in ("catalog", "vouchers", "financing", "reports"):
            if f"from {other}" in text or f"import {other}" in text:
                offenders.append(f"{path.name} -> {other}")
    assert offenders == []
