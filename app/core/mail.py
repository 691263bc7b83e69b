"""Outgoing e-mail over SMTP (standard library), or to the log in development and tests.

Settings (config.py, from the environment): MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS
(STARTTLS), MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM; MAIL_LOG_ONLY writes each message to
the log instead of sending it. Only the scheduler's e-mail job sends, so a slow SMTP server
never holds up a web request.
"""

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    """Build a plain-text UTF-8 message from the configured sender."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=current_app.config["MAIL_FROM"].rpartition("@")[2]
                                       or None)
    message.set_content(body)
    return message


class LogOutbox:
    """Write messages to the log instead of sending them (development and tests)."""

    def send(self, message: EmailMessage) -> bool:
        logger.info("E-mail (not sent, MAIL_LOG_ONLY) to %s: %s\n%s", message["To"],
                    message["Subject"], message.get_content())
        return True


class SmtpOutbox:
    """Send messages over one open SMTP connection; a refused message is logged, not raised."""

    def __init__(self, smtp: smtplib.SMTP):
        self.smtp = smtp

    def send(self, message: EmailMessage) -> bool:
        try:
            self.smtp.send_message(message)
        except (smtplib.SMTPException, OSError):
            logger.exception("Could not e-mail %s; it is retried on the next run.", message["To"])
            return False
        return True


@contextmanager
def connection() -> Iterator[LogOutbox | SmtpOutbox]:
    """Open the outbox: the log when MAIL_LOG_ONLY, else an SMTP session closed afterwards."""
    config = current_app.config
    if config["MAIL_LOG_ONLY"]:
        yield LogOutbox()
        return
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                        timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        yield SmtpOutbox(smtp)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            logger.warning("The SMTP server did not close the session cleanly.")
