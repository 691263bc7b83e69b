"""API: the caller's notification settings (whether notifications are also e-mailed)."""

from marshmallow import Schema, fields

from app.core.notifications import set_wants_email

from . import api_blueprint, documented
from .auth import api_user
from .schemas import ProblemSchema

blp = api_blueprint("api_notification_settings",
                    "The caller's notification settings: e-mail or only in the app.")

PROBLEM = {"schema": ProblemSchema, "content_type": "application/problem+json"}


class NotificationSettingsSchema(Schema):
    wants_email = fields.Boolean(required=True, truthy={True}, falsy={False}, metadata={
        "description": "Whether notifications are also e-mailed to the user's address."})


@blp.get("/me/notification-settings")
@documented(blp)
@blp.response(200, NotificationSettingsSchema)
def get_settings():
    """Whether the caller's notifications are also e-mailed."""
    return {"wants_email": api_user().wants_email}


@blp.patch("/me/notification-settings")
@documented(blp)
@blp.arguments(NotificationSettingsSchema)
@blp.response(200, NotificationSettingsSchema)
@blp.alt_response(422, **PROBLEM)
def update_settings(data):
    """Turn e-mailing of the caller's notifications on or off."""
    user = api_user()
    set_wants_email(user, data["wants_email"], user)
    return {"wants_email": user.wants_email}
