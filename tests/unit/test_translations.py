"""Every UI string has a Swedish translation (Swedish is the default language)."""

from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("app/**.py", "python"), ("templates/**.html", "jinja2")]


def _extracted_ids() -> set[str]:
    ids = set()
    for folder in ("app", "templates"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python"), ("**.html", "jinja2")],
            keywords=KEYWORDS,
        ):
            ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_every_ui_string_is_translated_to_swedish():
    catalog = read_po(BytesIO((ROOT / "app/translations/sv/LC_MESSAGES/messages.po").read_bytes()))
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalog
        if m.id and "fuzzy" not in m.flags
        and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(_extracted_ids() - translated)
    assert missing == [], "Run make extract-messages and translate: " + "; ".join(missing)
