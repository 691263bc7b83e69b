"""Template helpers: Swedish money and date formats, permissions, the CSP nonce."""

import json
from datetime import date, datetime

from flask import Flask, g
from flask_babel import format_date, format_datetime, get_locale

from app.core import clock, labels, money, permissions


def _date(value: date | datetime | None, fmt: str = "yyyy-MM-dd") -> str:
    """A date, or a moment with its local time of day; on a demo date only the day, since the
    time stamped there is today's clock time joined to the demo's day ("2010-03-01 21:16")."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return format_datetime(value, "yyyy-MM-dd" if clock.is_fixed() else "yyyy-MM-dd HH:mm")
    return format_date(value, fmt)


def _unread() -> int:
    from flask_login import current_user

    from app.core.notifications import unread_count

    if not getattr(current_user, "is_authenticated", False):
        return 0
    return unread_count(current_user.id)


def readable_json(value) -> str:
    """Show stored JSON as people read it: letters such as å, ä, ö as they are, keys sorted."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(readable_json, "readable_json")
    app.add_template_filter(money.format_sek, "sek")
    app.add_template_filter(money.format_msek, "msek")
    app.add_template_filter(money.format_share, "share")
    app.add_template_filter(_date, "date")

    @app.context_processor
    def _helpers():
        return {
            "can": {name[4:]: getattr(permissions, name)
                    for name in dir(permissions) if name.startswith("can_")},
            "csp_nonce": lambda: getattr(g, "csp_nonce", ""),
            "current_locale": lambda: str(get_locale() or "sv"),
            "languages": app.config["LANGUAGES"],
            "product_name": app.config["PRODUCT_NAME"],
            "labels": labels.ALL,
            "unread_notifications": _unread,
        }
