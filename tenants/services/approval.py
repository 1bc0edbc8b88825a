"""Approving a region's claim before it speaks for the region nationally.

Signup is self-service and checks only that the admin's address is on a government domain, so a signup is
a *claim*. The claimed region is ``pending``: its site works (units, staff register, a trial round), but
it publishes nothing to the national benchmark until

1. the admin who signed up has verified the email address (allauth's confirmation link, on the region's
   own host; ``record_email_confirmed`` stamps the Region when it happens), and
2. a platform operator has approved the claim, which is possible only after (1), so that an operator's
   slip never approves an address nobody has shown to control.

An operator may instead reject the claim with a reason: the region's rows, its domain and its schema go in
one transaction (PostgreSQL DDL is transactional), which frees the code and the address for the rightful
owner; ``tenants.signals.region_rejected`` lets other apps remove what they hold under the code in the same
transaction. Both decisions are recorded as AuditEvent rows and mailed to the person who signed up, after
the commit (a rolled-back decision is never announced).

The benchmark's publishing step asks ``publish_refusal`` before it writes anything.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context

from accounts.roles import Role
from audit import services as audit_trail
from tenants.models import AuditEvent, Domain, Region
from tenants.schemas import current_schema, use_public_schema
from tenants.services import provisioning
from tenants.signals import region_rejected

logger = logging.getLogger(__name__)


class ApprovalError(ValueError):
    """The decision cannot be made (already decided, email not verified, no reason given)."""


# --- What the region and the publishing step are told -----------------------------------------------


def missing_steps(region: Region) -> list[str]:
    """What still stands between the region and the national benchmark, in the order it happens."""
    if region.is_approved:
        return []
    steps = []
    if region.signup_email_verified_at is None:
        steps.append(_("verification of the admin's email address"))
    steps.append(_("approval by the platform operator"))
    return steps


def publish_refusal(region: Region) -> str | None:
    """Why the region may not publish to the national benchmark (None: it may), and what to do about it."""
    if region.is_approved:
        return None
    if region.signup_email_verified_at is None:
        todo = _(
            "Open the verification link sent to %(email)s (the notice at the top of the page can send it "
            "again); the platform operator then reviews the registration."
        ) % {"email": region.signup_email or _("the admin's address")}
    else:
        todo = _(
            "The platform operator is reviewing the registration; you will get an email when it is decided."
        )
    return _(
        "%(region)s is not approved yet, so it cannot publish to the national benchmark. "
        "Still missing: %(missing)s. %(todo)s"
    ) % {"region": region.name, "missing": "; ".join(missing_steps(region)), "todo": todo}


# --- Who signed up, and whether the address is verified ---------------------------------------------


def record_email_confirmed(request: HttpRequest | None, email_address: EmailAddress, **kwargs: Any) -> None:
    """allauth's ``email_confirmed`` receiver: the signup admin's confirmation stamps the Region."""
    schema = current_schema()
    if schema == get_public_schema_name():
        return
    Region.objects.filter(
        schema_name=schema,
        signup_email__iexact=email_address.email,
        signup_email_verified_at__isnull=True,
    ).update(signup_email_verified_at=timezone.now())


def refresh_claim(region: Region) -> Region:
    """Bring who signed up and the verification up to date from the region's schema.

    The signal stamps verification at once; this catches regions that signed up before the approval
    existed (no ``signup_email`` yet: the earliest region admin stands for the signup) or a missed signal.
    """
    if region.is_approved:
        return region
    user_model: Any = get_user_model()
    with schema_context(region.schema_name):
        admins = user_model.objects.filter(role=Role.REGION_ADMIN)
        admin = (
            admins.filter(email__iexact=region.signup_email).first()
            if region.signup_email
            else admins.order_by("date_joined", "pk").first()
        )
        verified = (
            admin is not None
            and EmailAddress.objects.filter(user=admin, email__iexact=admin.email, verified=True).exists()
        )
    changed = []
    if admin is not None and not region.signup_email:
        region.signup_email, region.signup_name = admin.email, admin.full_name
        changed += ["signup_email", "signup_name"]
    if verified and region.signup_email_verified_at is None:
        region.signup_email_verified_at = timezone.now()
        changed.append("signup_email_verified_at")
    if changed:
        region.save(update_fields=changed)
    return region


def pending_regions() -> list[Region]:
    """The operator's queue, oldest claim first, each brought up to date (one small query per schema)."""
    regions = list(Region.objects.filter(approval=Region.Approval.PENDING).order_by("created_at", "code"))
    return [refresh_claim(region) for region in regions]


# --- The operator's decisions ------------------------------------------------------------------------


def _claim_details(region: Region) -> dict[str, Any]:
    return {
        "signup_name": region.signup_name,
        "signup_email": region.signup_email,
        "signup_position": region.signup_position,
        "email_verified": region.signup_email_verified_at is not None,
        "slug": region.slug,
        "schema_name": region.schema_name,
        "signed_up_at": region.created_at.isoformat() if region.created_at else None,
    }


def _locked_pending(region: Region) -> Region:
    locked = Region.objects.select_for_update().filter(pk=region.pk).first()
    if locked is None:  # another operator rejected it a moment ago
        raise ApprovalError(
            _("The registration of %(region)s was rejected already.") % {"region": region.name}
        )
    if locked.is_approved:
        raise ApprovalError(_("%(region)s is approved already.") % {"region": locked.name})
    return locked


@transaction.atomic
def approve(region: Region, *, actor: str, site_url: str = "", notify: bool = True) -> AuditEvent:
    """Approve a pending claim whose admin has verified the address; mail the admin after the commit."""
    region = refresh_claim(_locked_pending(region))
    if region.signup_email_verified_at is None:
        raise ApprovalError(
            _("%(email)s has not verified the email address yet; approve once it has.")
            % {"email": region.signup_email or _("The admin")}
        )
    region.approval = Region.Approval.APPROVED
    region.approved_at = timezone.now()
    region.approved_by = actor
    region.save(update_fields=["approval", "approved_at", "approved_by"])
    event = AuditEvent.objects.create(
        actor=actor,
        action=AuditEvent.Action.APPROVED,
        region=region,
        region_code=region.code,
        region_name=region.name,
        details=_claim_details(region),
    )
    audit_trail.record_platform("region.approved", actor=actor, subject=region)
    name, email, region_name, code = region.signup_name, region.signup_email, region.name, region.code
    if notify:
        transaction.on_commit(lambda: _notify_approved(name, email, region_name, code, site_url))
    return event


def reject(region: Region, *, actor: str, reason: str, signup_url: str = "") -> AuditEvent:
    """Reject a pending claim: its rows and schema go in one transaction, which frees the code."""
    reason = reason.strip()
    if not reason:
        raise ApprovalError(_("Give a reason: the person who signed up receives it."))
    use_public_schema()  # the region's schema is dropped: never from inside it
    with transaction.atomic():
        region = refresh_claim(_locked_pending(region))
        details = _claim_details(region)
        event = AuditEvent.objects.create(
            actor=actor,
            action=AuditEvent.Action.REJECTED,
            region=None,  # the row goes below; the event names the region by code and name
            region_code=region.code,
            region_name=region.name,
            reason=reason[:500],
            details=details,
        )
        audit_trail.record_platform("region.rejected", actor=actor, subject=region, reason=reason[:500])
        schema = region.schema_name
        region_rejected.send(sender=Region, code=region.code, schema_name=schema)
        Domain.objects.filter(tenant=region).delete()
        region.delete()
        with connection.cursor() as cursor:
            # Deferred foreign-key checks still pending on the schema's tables would block the DROP.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            provisioning.drop_schema(schema)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's constraints are initially deferred
        name, email, region_name, code = region.signup_name, region.signup_email, region.name, region.code
        transaction.on_commit(lambda: _forget_cached(schema))
        transaction.on_commit(lambda: _notify_rejected(name, email, region_name, code, reason, signup_url))
    return event


def approve_seeded(region: Region, *, actor: str) -> Region:
    """Approve a region made by a seeding command (the demo, test factories), with no review: its signup
    admin's address counts as verified. Recorded like any approval; never reachable from a request."""
    region = refresh_claim(Region.objects.get(pk=region.pk))
    if not region.is_approved:
        with schema_context(region.schema_name):
            EmailAddress.objects.filter(email__iexact=region.signup_email).update(verified=True)
        approve(region, actor=actor, notify=False)
        region.refresh_from_db()
    return region


# --- After the commit ----------------------------------------------------------------------------------


def _forget_cached(schema: str) -> None:
    """A new signup for the same code gets the same schema name, and cache keys are per schema name: drop
    what the rejected region left there (cached sessions, counters, cached pages)."""
    get_client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if get_client is None:  # not the Redis backend: nothing we can scan
        return
    with schema_context(schema):
        pattern = cache.make_key("*")
    try:
        client = get_client(None, write=True)
        keys = list(client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
    except Exception:  # the rejection stands; stale keys expire on their own
        logger.exception("Could not clear the cache of the rejected schema %s", schema)


def _mail(email: str, subject: str, paragraphs: list[str]) -> None:
    if not email:
        return
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "[IKD] ")
    try:
        send_mail(prefix + subject, "\n\n".join(paragraphs) + "\n", None, [email])
    except Exception:  # the decision is made and recorded; the operator can write by hand
        logger.exception("Could not mail %s about a region decision", email)


def _notify_approved(name: str, email: str, region: str, code: str, site_url: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):  # the platform writes in Indonesian
        paragraphs = [
            _("Hello %(name)s,") % {"name": name or email},
            _(
                "The platform operator has approved the registration of %(region)s (%(code)s). Your region "
                "can now publish its rounds to the national benchmark."
            )
            % {"region": region, "code": code},
        ]
        if site_url:
            paragraphs.append(_("Your region's site: %(url)s") % {"url": site_url})
        paragraphs.append(_("The IKD ASN platform team"))
        _mail(email, _("%(region)s is approved") % {"region": region}, paragraphs)


def _notify_rejected(name: str, email: str, region: str, code: str, reason: str, signup_url: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        paragraphs = [
            _("Hello %(name)s,") % {"name": name or email},
            _(
                "The platform operator did not approve the registration of %(region)s (%(code)s). Its site "
                "and everything entered there have been removed."
            )
            % {"region": region, "code": code},
            _("Reason: %(reason)s") % {"reason": reason},
            _(
                "If you work for this region's government and believe this is a mistake, register again "
                "with your official email address and state your position, or contact the platform operator."
            ),
        ]
        if signup_url:
            paragraphs.append(_("Register: %(url)s") % {"url": signup_url})
        paragraphs.append(_("The IKD ASN platform team"))
        _mail(
            email,
            _("The registration of %(region)s was not approved") % {"region": region},
            paragraphs,
        )
