"""URL helpers: safe local redirects, integer path parameters the database can hold."""

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

# The database's INTEGER keys (PostgreSQL int4) hold no larger id.
ID_MAX = 2**31 - 1


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` bounded by what an integer key holds: a larger number is a 400 saying so.

    The bound is also what the OpenAPI document declares as the path parameter's maximum.
    """

    def __init__(self, url_map, fixed_digits=0, min=None, max=ID_MAX, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        from app.core.errors import NumberTooLarge

        if self.max is not None and int(value) > self.max:
            raise NumberTooLarge()
        return super().to_python(value)


def is_safe_local_path(target: str | None) -> bool:
    """Accept only a local path such as /programmes/1 (no scheme, host, or '//' / '\\' tricks)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
