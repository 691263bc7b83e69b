"""The layers hold: `app/core/` is the ground floor and imports no domain package."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
DOMAINS = sorted(path.name for path in APP.iterdir()
                 if path.is_dir() and (path / "__init__.py").exists() and path.name != "core")


def _imported_modules(source: str) -> list[tuple[int, str]]:
    """Every module an import names, at any depth (imports inside functions count too)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_the_domains_are_found():
    assert {"applications", "projects", "programmes", "accounts", "start"} <= set(DOMAINS)


def test_core_imports_no_domain():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted((APP / "core").rglob("*.py"))
        for line, module in _imported_modules(path.read_text(encoding="utf-8"))
        if any(module == f"app.{domain}" or module.startswith(f"app.{domain}.")
               for domain in DOMAINS)
    ]
    assert offenders == [], "core must not import a domain:\n" + "\n".join(offenders)


def test_every_download_is_built_in_one_place():
    """A page or endpoint sends a workbook through core/exports.py, never its own headers."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(APP.rglob("*.py")) if path != APP / "core" / "exports.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "content_disposition(" in line
    ]
    assert offenders == []


def test_the_ledger_is_written_in_one_place():
    """Every envelope entry is booked by programmes/ledger.py:book, whoever books it."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(APP.rglob("*.py")) if path != APP / "programmes" / "ledger.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "EnvelopeEntry(" in line and "class EnvelopeEntry" not in line
    ]
    assert offenders == []


def test_a_project_is_created_in_one_place():
    """Only projects/creation.py makes a Project, whoever funds it (a decision, the seed)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(APP.rglob("*.py")) if path != APP / "projects" / "creation.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(?<![\w.])Project\(", line) and "class Project" not in line
    ]
    assert offenders == []
