"""What billing's services raise: a message for people (translated) and the form field it is about."""

from __future__ import annotations


class BillingError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PlanNotFound(BillingError):
    pass


class ProviderError(BillingError):
    """The payment provider could not be reached or refused the request; nothing was changed."""
