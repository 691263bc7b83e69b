"""Every refusal a person can read goes through Flask-Babel: no English literal reaches a page.

A domain error raised with a string literal, an f-string or a concatenation of literals would
show English on the Swedish UI; its words must come from `_()` (checked for Swedish by
`test_translations.py`) or from a function that chooses them in the reader's language.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_ERRORS = {"DomainError", "InvalidInput", "Forbidden", "NotFound", "Conflict"}


def _is_literal_text(node: ast.expr) -> bool:
    """Whether the expression builds its words from literals rather than a translation."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_literal_text(node.left) or _is_literal_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _is_literal_text(node.func.value)
    return False


def _untranslated_refusals(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        if name in DOMAIN_ERRORS and _is_literal_text(node.args[0]):
            found.append((node.lineno, ast.unparse(node.args[0])[:80]))
    return found


@pytest.mark.parametrize(("source", "expected"), [
    ('raise NotFound("There is no such thing.")', 1),
    ('raise Conflict(f"Report {n} is frozen.")', 1),
    ('raise InvalidInput("Problems: " + text, field="x")', 1),
    ('raise Forbidden("{} may not".format(who))', 1),
    ('raise NotFound(_("There is no such thing."))', 0),
    ('raise InvalidInput(_("Problems: %(p)s", p=text), field="x")', 0),
    ('raise InvalidInput(refusal_message(refused), field="x")', 0),
    ('raise ValueError("pure rules speak English to programmers")', 0),
])
def test_the_check_tells_literal_words_from_translated_ones(source, expected):
    assert len(_untranslated_refusals(source)) == expected


def test_no_domain_error_is_raised_with_untranslated_words():
    offenders = [f"{path.relative_to(ROOT)}:{line}: {text}"
                 for path in sorted((ROOT / "app").rglob("*.py"))
                 for line, text in _untranslated_refusals(path.read_text(encoding="utf-8"))]
    assert offenders == [], "Wrap these messages in _():\n" + "\n".join(offenders)
