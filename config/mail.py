"""Which mail backend the app uses, and the one it uses when no mail server is configured.

Mail carries secrets: password-reset links, sign-in codes, email-confirmation keys. Django's console
backend prints each message, body and all, to stdout, which on a server is a log that other people read
(journald, a log shipper). So the console is chosen only where printing is the point: the demo
(``manage.py demo`` sets ``IKD_DEMO`` for the processes it starts) and a developer's ``DEBUG``. A server
with neither and no ``EMAIL_HOST`` gets :class:`NotConfiguredEmailBackend`, which sends nothing and logs
one warning per message without recipients, subject or body: the operator learns that mail is missing,
nobody learns a link. ``EMAIL_BACKEND`` in the environment still overrides all of this.

Kept free of settings access at import time: ``config.settings`` imports this module.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)

SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"
NOT_CONFIGURED = "config.mail.NotConfiguredEmailBackend"


def choose_email_backend(environ: Mapping[str, str], *, debug: bool, demo: bool) -> str:
    """The backend's dotted path for this environment (see the module's note)."""
    if explicit := environ.get("EMAIL_BACKEND"):
        return explicit
    if environ.get("EMAIL_HOST"):
        return SMTP
    if demo or debug:
        return CONSOLE
    return NOT_CONFIGURED


class NotConfiguredEmailBackend(BaseEmailBackend):
    """Sends nothing: no mail server is configured. Logs that, never the message."""

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        for _message in email_messages:
            logger.warning(
                "An email was not sent: no mail server is configured (set EMAIL_HOST, see README)."
            )
        return 0
