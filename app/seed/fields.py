"""The `_Fields` reader every seed file goes through, so each error names its file and item."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "seed_data"
E = TypeVar("E", bound=StrEnum)


class _Fields:
    """One mapping from a seed file; every accessor names the file and item when it fails."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected a mapping of fields, not {type(data).__name__}")
        self._data = data
        self.where = where

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.where}: {message}")

    def keys(self) -> list[str]:
        return list(self._data)

    def _get(self, key: str, required: bool) -> Any:
        value = self._data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.error(f"the field '{key}' is missing")
            return None
        return value

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(f"'{key}' must be text, not {value!r}")
        return value.strip()

    def whole(self, key: str, *, required: bool = True, minimum: int = 0) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(f"'{key}' must be a whole number, not {value!r}")
        if value < minimum:
            raise self.error(f"'{key}' must be at least {minimum}, not {value}")
        return value

    def day(self, key: str, *, required: bool = True) -> date | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                raise self.error(f"'{key}' must be a date (YYYY-MM-DD), not {value!r}") from None
        if not isinstance(value, date) or isinstance(value, datetime):
            raise self.error(f"'{key}' must be a date (YYYY-MM-DD), not {value!r}")
        return value

    def number(self, key: str) -> Decimal:
        value = self._get(key, True)
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise self.error(f"'{key}' must be a number, not {value!r}") from None

    def choice(self, key: str, enum_type: type[E], *, default: E | None = None) -> E:
        value = self._get(key, default is None)
        if value is None:
            return default
        try:
            return enum_type(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum_type)
            raise self.error(f"'{key}' must be one of: {allowed}; not {value!r}") from None

    def flag(self, key: str) -> bool:
        value = self._get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(f"'{key}' must be true or false, not {value!r}")
        return value

    def texts(self, key: str) -> list[str]:
        value = self._get(key, True)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.error(f"'{key}' must be a non-empty list of text")
        return value

    def section(self, key: str) -> "_Fields":
        return _Fields(self._get(key, True), f"{self.where}, '{key}'")

    def items(self, key: str, noun: str, label: str | None = None) -> list["_Fields"]:
        value = self._get(key, True)
        if not isinstance(value, list) or not value:
            raise self.error(f"'{key}' must be a non-empty list")
        file = self.where.split(",")[0]
        result = []
        for number, item in enumerate(value, start=1):
            name = item.get(label) if label and isinstance(item, dict) else None
            suffix = f" ({name})" if name else ""
            result.append(_Fields(item, f"{file}, {noun} {number}{suffix}"))
        return result


def _read_yaml(data_dir: Path, name: str) -> _Fields:
    path = Path(data_dir) / name
    if not path.is_file():
        raise ValueError(f"{name}: the seed file is missing (looked for {path})")
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{name}: not valid YAML: {error}") from None
    return _Fields(content, name)


def _unique(keys, file: str, noun: str) -> None:
    """Refuse a file that names the same thing twice, since natural keys must be unique."""
    seen = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{file}: the {noun} {key!r} appears more than once")
        seen.add(key)
