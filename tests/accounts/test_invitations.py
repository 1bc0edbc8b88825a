"""The invitation link and the second factor: a user with an authenticator who uses the link passes the
same second-factor step as the password sign-in, and an account that already has a password and an
authenticator is not invited at all (nor is an older link of theirs honoured)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django_tenants.utils import schema_context

from accounts import invitations
from accounts.roles import Role
from tenants.models import Region
from tests.factories import PASSWORD, make_user

HOST_A = "samarinda.localhost"
NEW_PASSWORD = "Kata-Sandi-Baru-2026"


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def invitation_path(region: Any, user: Any) -> str:
    with schema_context(region.schema_name):
        invitation = invitations.prepare(user, region_name=region.name, invited_by="Kepala BKPSDM", units=[])
    return urlsplit(invitation.url).path


def signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def test_the_link_asks_an_invitee_with_an_authenticator_for_the_second_factor(db: Any, region_a: Any) -> None:
    """A region that requires admins' second factor; an admin who has an authenticator and no password
    yet. Whoever holds the link sets a password, but is not signed in before the authenticator's code."""
    Region.objects.filter(pk=region_a.pk).update(require_admin_mfa=True)
    invitee = make_user(region_a, Role.REGION_ADMIN, password=None)
    secret = generate_totp_secret()
    with schema_context(region_a.schema_name):
        TOTP.activate(invitee, secret)
    path = invitation_path(region_a, invitee)

    holder = Client(HTTP_HOST=HOST_A)
    response = holder.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/2fa/authenticate/")
    assert signed_in_as(holder) is None
    assert holder.get("/pengguna/")["Location"].startswith("/akun/login/")  # not signed in
    wrong = holder.post("/akun/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert signed_in_as(holder) is None
    # The link is used up either way: the password is set.
    assert Client(HTTP_HOST=HOST_A).get(path).status_code == 410

    done = holder.post("/akun/2fa/authenticate/", {"code": totp_code(secret)})
    assert done.status_code == 302
    assert done["Location"] == "/"
    assert signed_in_as(holder) == str(invitee.pk)
    assert holder.get("/pengguna/").status_code == 200


def test_an_account_with_a_password_and_an_authenticator_is_not_invited(
    db: Any, region_a: Any, mailoutbox: Any
) -> None:
    """A link mailed while the coordinator had only a password no longer works once they set up an
    authenticator (it would replace their password and sign in without it); the admin cannot send a new
    one and is told why."""
    admin = make_user(region_a, Role.REGION_ADMIN)
    coordinator = make_user(region_a, Role.UNIT_COORDINATOR, full_name="Dewi Lestari")
    path = invitation_path(region_a, coordinator)
    with schema_context(region_a.schema_name):
        TOTP.activate(coordinator, generate_totp_secret())

    holder = Client(HTTP_HOST=HOST_A)
    assert holder.get(path).status_code == 410
    assert holder.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 410
    assert signed_in_as(holder) is None
    with schema_context(region_a.schema_name):
        coordinator.refresh_from_db()
        assert coordinator.check_password(PASSWORD)
        with pytest.raises(invitations.NotNeeded):
            invitations.prepare(coordinator, region_name="A", invited_by="Admin", units=[])

    client = Client(HTTP_HOST=HOST_A)
    assert client.post("/akun/login/", {"login": admin.email, "password": PASSWORD}).status_code == 302
    page = client.get(f"/pengguna/{coordinator.pk}/").content.decode()
    assert "Kirim ulang undangan" not in page
    assert "undangan tidak diperlukan" in page
    answer = client.post(f"/pengguna/{coordinator.pk}/", {"action": "invite"}, follow=True)
    assert "Dewi Lestari sudah memiliki kata sandi dan aplikasi autentikator" in answer.content.decode()
    assert mailoutbox == []

    # A user with a password and no authenticator may still be sent a new link (to choose another one).
    colleague = make_user(region_a, Role.UNIT_COORDINATOR)
    client.post(f"/pengguna/{colleague.pk}/", {"action": "invite"})
    assert [m.to for m in mailoutbox] == [[colleague.email]]
