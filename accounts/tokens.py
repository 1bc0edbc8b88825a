"""Password-reset keys bound to the schema (the region, or the public site) they were made in.

allauth's key is ``<user pk in base 36>-<timestamp>-<HMAC>``; the HMAC covers the user's pk, password
hash, last sign-in and email addresses, under the one ``SECRET_KEY`` every region shares. Nothing in it
says *which* schema's user it was made for, and user numbers repeat across schemas (each region's
``accounts_user`` has its own sequence). It holds today only because two regions' rows for the same
number differ in their salted password hash; a user copied into another region (a restored or moved
schema, a person registered twice by an import that copies rows) would make a key from region A open
the account with the same number on region B. Hashing the schema name in as well ends that for good:
a key verifies only in the schema that made it, whatever the rows say.

The invitation link (``accounts.invitations``) is this generator with a salt and a lifetime of its own.

The other account tokens were reviewed for the same flaw and need nothing here: confirmation keys are
stored random keys in each schema's table (``ACCOUNT_EMAIL_CONFIRMATION_HMAC = False``); sign-in codes,
the TOTP secret being set up and the reset key once opened live in the session, which is stored per
schema (table and cache keys); TOTP secrets and recovery codes are rows of the schema's own
``mfa_authenticator``; the post-signup sign-in link and the operator's enrolment link sign the schema
into their payload (accounts.services, accounts.enrolment). tests/accounts/test_tokens_across_regions.py
plays each across two regions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator

from tenants.schemas import current_schema


class SchemaBoundPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    """allauth's EmailAwarePasswordResetTokenGenerator plus the schema name.

    Not a subclass of allauth's class: allauth's forms module builds its generator from this setting
    while it is being imported, so importing that module from here would be circular.
    """

    def _make_hash_value(self, user: Any, timestamp: int | datetime) -> str:
        from allauth.account.models import EmailAddress

        # Django's value: pk, password hash, last sign-in, timestamp and the user's email field.
        value = super()._make_hash_value(user, timestamp)  # type: ignore[arg-type]
        # As allauth's: a key stops working once the user's addresses change.
        emails = {user.email} if user.email else set()
        emails.update(EmailAddress.objects.filter(user_id=user.pk).values_list("email", flat=True))
        return f"{current_schema()}|{value}|{'|'.join(sorted(emails))}"
