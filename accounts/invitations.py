"""Inviting a region user: a mail that says what IKD is, who invites them, their role and units, and a
single-use, expiring link to a page where they choose a password and end up signed in.

Why not allauth's password-reset mail (as before): a reset mail tells a stranger that "someone asked to
reset your password", says nothing of the product, the role or the units, and its link expires in the
reset's lifetime. The design:

* The link's key is ``<user pk in base 36>-<timestamp>-<HMAC>`` from ``InvitationTokenGenerator``: the
  schema-bound reset generator (``accounts.tokens``: a key verifies only in the region that made it) with
  a salt of its own, so that a reset key is never an invitation key nor the reverse, and a lifetime of its
  own, ``INVITATION_DAYS``: an invitation waits until someone reads their mail.
* Single use: the HMAC covers the password hash and the last sign-in, and accepting sets the one and the
  other. A new invitation to someone who has not chosen a password yet first gives them a fresh unusable
  password, which ends every older link; a user who already has a password keeps it (the admin cannot
  take over an account by re-inviting it), and their link ends when they use it.
* Not for an account already set up: a user who has a password *and* an authenticator is not invited
  (``needed``), and an earlier link of theirs no longer works. An invitation is for choosing a first
  password (or, for a user without an authenticator, another one the admin sends them to); for such a user
  it could only be a second way to replace the password, beside the sign-in page's reset, that the admin
  set off and the user did not ask for. A region admin pressing "send the invitation again" for them
  expects to help someone who cannot sign in: the page says instead that they sign in with their password
  and authenticator, and that a forgotten password is reset from the sign-in page (which still asks for
  the second factor afterwards).
* Accepting signs the invitee in as the password sign-in does (``accounts.signin.sign_in``): a user with
  an authenticator passes the second factor's step first; the link alone never skips it.
* Opening the link (GET) only shows the form: mail scanners follow links. Only the form's POST uses it.
* The link's address comes from configuration (``config.sites``), never the request's Host header.
* The mail is written in Indonesian (the platform's language), as plain text: its facts (region, role,
  units, who invites, until when the link works) are data the caller passes in, so that this module knows
  nothing of work units.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int, int_to_base36
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.services import has_totp
from accounts.tokens import SchemaBoundPasswordResetTokenGenerator
from config import sites

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

INVITATION_DAYS = 7


class InvitationTokenGenerator(SchemaBoundPasswordResetTokenGenerator):
    key_salt = "ikd.accounts.invitation"

    def check_token(self, user: Any, token: str | None) -> bool:
        """Django's check with the invitation's lifetime instead of ``PASSWORD_RESET_TIMEOUT``."""
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                break
        else:
            return False
        return self._num_seconds(self._now()) - ts <= INVITATION_DAYS * 24 * 3600


generator = InvitationTokenGenerator()


@dataclass(frozen=True)
class Invitation:
    """What the mail says: the facts are the caller's (the region, who invites, the units)."""

    user: User
    region_name: str
    invited_by: str
    units: Sequence[str]
    url: str
    expires_at: datetime


class NotNeeded(ValueError):
    """The user has a password and an authenticator: there is nothing to invite them to."""


def needed(user: User) -> bool:
    """Whether ``user`` may be invited: not when they already have a password and an authenticator."""
    return not (user.has_usable_password() and has_totp(user))


def make_token(user: User) -> str:
    return f"{int_to_base36(user.pk)}-{generator.make_token(user)}"


def user_for_token(token: str) -> User | None:
    """The active user the token was made for in this schema, if it is still good; else None."""
    uid, _sep, key = token.partition("-")
    try:
        pk = base36_to_int(uid)
    except ValueError:
        return None
    user_model: Any = get_user_model()
    user: User | None = user_model.objects.filter(pk=pk, is_active=True).first()
    if user is None or not generator.check_token(user, key) or not needed(user):
        return None
    return user


def prepare(
    user: User, *, region_name: str, invited_by: str, units: Sequence[str], now: datetime | None = None
) -> Invitation:
    """A fresh link for ``user``; a user without a password gets a new unusable one (older links end).
    ``NotNeeded`` for a user with a password and an authenticator."""
    if not needed(user):
        raise NotNeeded(user.email)
    if not user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    url = sites.current_site_url(reverse("invitation", args=[make_token(user)]))
    expires_at = (now or timezone.now()) + timedelta(days=INVITATION_DAYS)
    return Invitation(user, region_name, invited_by, tuple(units), url, expires_at)


def message(invitation: Invitation, tzinfo: Any) -> tuple[str, str]:
    """Subject and body of the mail, in the platform's language (Indonesian)."""
    user = invitation.user
    with translation.override(settings.LANGUAGE_CODE):
        role = str(Role(user.role).label)
        expires = timezone.localtime(invitation.expires_at, tzinfo)
        paragraphs = [
            _("Hello %(name)s,") % {"name": user.full_name or user.email},
            _("%(admin)s has invited you to IKD, the site of %(region)s.")
            % {"admin": invitation.invited_by, "region": invitation.region_name},
            _(
                "IKD (Indeks Kompetensi Digital ASN) measures the digital competence of the region's civil "
                "servants: employees take a short test, on a phone or a computer, and the region gets an "
                "index, reports and a training plan."
            ),
            _("Your role: %(role)s.") % {"role": role},
        ]
        if user.role == Role.UNIT_COORDINATOR:
            paragraphs.append(
                _("Your work units: %(units)s.") % {"units": "; ".join(invitation.units)}
                if invitation.units
                else _("No work unit is assigned to you yet; the region's admin will assign one.")
            )
            paragraphs.append(
                _(
                    "As a coordinator you follow your units on test day: who has started and who has "
                    "submitted, who has not started yet, and the access-code sheets to hand out."
                )
            )
        elif user.role == Role.REGION_ADMIN:
            paragraphs.append(
                _("As an admin you manage the region's users, units, employees, rounds and results.")
            )
        paragraphs += [
            _("Choose your password here; you are then signed in:"),
            invitation.url,
            _(
                "The link works once, until %(date)s at %(time)s. Your sign-in name is your email address, "
                "%(email)s. If you did not expect this invitation, ignore this mail."
            )
            % {
                "date": expires.strftime("%d-%m-%Y"),
                "time": expires.strftime("%H:%M"),
                "email": user.email,
            },
        ]
        subject = _("Invitation to IKD %(region)s") % {"region": invitation.region_name}
    return subject, "\n\n".join(paragraphs) + "\n"


def send(invitation: Invitation, tzinfo: Any) -> bool:
    """Mail the invitation; False (logged, never the link) when the mail could not be sent."""
    subject, body = message(invitation, tzinfo)
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "[IKD] ")
    try:
        send_mail(prefix + subject, body, None, [invitation.user.email])
    except Exception:
        logger.exception("Could not send an invitation mail")
        return False
    return True


def accept(user: User, password: str) -> None:
    """The invitee chose a password: the link is used up and their address is proven."""
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)
