"""One page of a long list on a page: the page number from the URL, and the page's bounds."""

import math
from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _

from app.core.errors import InvalidInput


@dataclass(frozen=True)
class Paging:
    """Page `number` (from 1) of `total` items shown `size` at a time."""

    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def beyond_the_end(self) -> bool:
        return self.number > self.pages


def page_number() -> int:
    """The `page` argument of the request (default 1); anything but a whole number from 1 is
    refused, naming the field."""
    value = request.args.get("page") or "1"
    if not value.isdigit() or int(value) < 1:
        raise InvalidInput(_("The page must be a whole number from 1."), field="page")
    return int(value)
