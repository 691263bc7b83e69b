"""URL safety helpers."""

from urllib.parse import urlsplit


def is_safe_local_path(target: str | None) -> bool:
    """Accept only a local path such as /programmes/1 (no scheme, host, or '//' / '\\' tricks)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
