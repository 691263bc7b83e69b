"""Pure rule modules import nothing from Flask, SQLAlchemy, the extensions or the models."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_MODULES = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts)
    for pattern in ("app/*/rules.py", "app/*/calculation.py", "app/benefits/batch.py",
                    "app/core/periods.py", "app/core/money.py", "app/core/enums.py",
                    "app/core/uploads.py", "reports/*.py")
    for path in ROOT.glob(pattern)
    if path.name != "__init__.py"
)
FORBIDDEN = ("flask", "flask_sqlalchemy", "sqlalchemy", "app.extensions", "app.models")


def test_there_are_pure_modules_to_check():
    assert "app.core.money" in PURE_MODULES
    assert "app.programmes.rules" in PURE_MODULES


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_no_web_stack(module):
    code = (
        f"import sys, {module}\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or m in {FORBIDDEN!r}"
        " or m.endswith('.models')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "", f"{module} pulls in {result.stdout.strip()}"
