"""Every account token works only in the region (schema) it was made in.

User numbers repeat across schemas: each region's ``accounts_user`` has its own sequence, so region A
and region B both have a user number k. A token that names a user only by number, under the one
SECRET_KEY all regions share, opens B's user k with a key earned on A. Each test plays one token
through HTTP, A's token on B's host, with B's user given A's user's number.

* Password reset: allauth's key hashes the user's number, password hash, last sign-in and addresses.
  Two unrelated rows differ in their salted password hash, but a region whose schema started as a copy
  of another's (a region split off from its parent, a restored backup) holds identical rows, and then
  A's key opened B's account. accounts.tokens hashes the schema in as well.
* Email confirmation: keys are now stored per schema (ACCOUNT_EMAIL_CONFIRMATION_HMAC = False); the
  signed keys named the address by number only (see also tests/tenants/test_approval.py).
* Sign-in by emailed code (also the taker's way in), the two-factor step and its recovery codes: state
  in the session or in the schema's own tables; A's session cookie and codes do nothing on B.
* The taker's access code hashes the schema; the post-signup sign-in link signs it in
  (tests/accounts/test_login.py).
"""

from __future__ import annotations

import re
from typing import Any

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.contrib.auth.hashers import check_password
from django.db.models import Max
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from accounts.tokens import SchemaBoundPasswordResetTokenGenerator
from tests.factories import PASSWORD

RESET_LINK = re.compile(r"https?://(?P<host>[^/\s]+)(?P<path>/akun/password/reset/key/[^\s]+/)")
CONFIRM_LINK = re.compile(r"/akun/confirm-email/([^/\s]+)/")
CODE = re.compile(r"^\s*([A-Z0-9-]{6,})\s*$", re.MULTILINE)
NEW_PASSWORD = "Kata-Sandi-Baru-2026"
A_HOST, B_HOST = "samarinda.localhost", "balikpapan.localhost"


def shared_number(*regions: Any) -> int:
    """A user number free in every given region."""
    highest = 0
    for region in regions:
        with schema_context(region.schema_name):
            highest = max(highest, User.objects.aggregate(top=Max("pk"))["top"] or 0)
    return highest + 1


def user_numbered(region: Any, pk: int, email: str, *, verified: bool = True, copy_of: Any = None) -> User:
    """A user with number ``pk`` in the region; ``copy_of`` copies another region's row as it is."""
    with schema_context(region.schema_name):
        if copy_of is not None:
            user = User(
                pk=pk,
                email=copy_of.email,
                full_name=copy_of.full_name,
                role=copy_of.role,
                password=copy_of.password,
                last_login=copy_of.last_login,
                date_joined=copy_of.date_joined,
            )
            user.save(force_insert=True)
        else:
            user = User(pk=pk, email=email, full_name="Andi Pratama", role=Role.EMPLOYEE)
            user.set_password(PASSWORD)
            user.save(force_insert=True)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
        return user


def password_of(region: Any, pk: int) -> str:
    with schema_context(region.schema_name):
        return User.objects.get(pk=pk).password


def reset_link(mail: Any) -> tuple[str, str]:
    match = RESET_LINK.search(mail.body)
    assert match is not None, mail.body
    return match.group("host"), match.group("path")


def try_reset(host: str, path: str) -> Any:
    """Open the link on ``host`` and, if it opens, choose a new password; the last response."""
    client = Client(HTTP_HOST=host)
    response = client.get(path)
    if response.status_code != 302:
        return response  # the "bad link" page
    return client.post(response["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


def test_a_reset_link_from_region_a_does_not_open_region_bs_copy_of_the_account(
    db: Any, region_a: Any, region_b: Any, mailoutbox: Any
) -> None:
    """The attack: B's user k is a copy of A's user k (B's schema began as a copy of A's, as when a
    region is split off its parent); a reset asked for on A sets the password of B's account."""
    k = shared_number(region_a, region_b)
    mine = user_numbered(region_a, k, "andi@samarindakota.go.id")
    user_numbered(region_b, k, "", copy_of=mine)
    b_password = password_of(region_b, k)

    assert Client(HTTP_HOST=A_HOST).post("/akun/password/reset/", {"email": mine.email}).status_code == 302
    host, path = reset_link(mailoutbox[0])
    assert host == A_HOST

    response = try_reset(B_HOST, path)
    assert response.status_code == 200
    assert response.context["token_fail"]
    assert password_of(region_b, k) == b_password  # B's account untouched

    # The same link still works where it was made.
    assert try_reset(A_HOST, path).status_code == 302
    assert check_password(NEW_PASSWORD, password_of(region_a, k))
    assert password_of(region_b, k) == b_password


def test_a_reset_link_from_region_a_does_nothing_for_region_bs_user_with_the_same_number(
    db: Any, region_a: Any, region_b: Any, mailoutbox: Any
) -> None:
    k = shared_number(region_a, region_b)
    user_numbered(region_a, k, "andi@samarindakota.go.id")
    user_numbered(region_b, k, "budi@balikpapan.go.id")
    b_password = password_of(region_b, k)
    Client(HTTP_HOST=A_HOST).post("/akun/password/reset/", {"email": "andi@samarindakota.go.id"})
    _, path = reset_link(mailoutbox[0])
    response = try_reset(B_HOST, path)
    assert response.status_code == 200
    assert response.context["token_fail"]
    assert password_of(region_b, k) == b_password


def test_the_reset_key_names_its_schema(db: Any, region_a: Any, region_b: Any) -> None:
    """The same row, in two schemas: the key made in one does not verify in the other."""
    k = shared_number(region_a, region_b)
    user = user_numbered(region_a, k, "andi@samarindakota.go.id")
    user_numbered(region_b, k, "", copy_of=user)
    generator = SchemaBoundPasswordResetTokenGenerator()
    with schema_context(region_a.schema_name):
        key = generator.make_token(User.objects.get(pk=k))
        assert generator.check_token(User.objects.get(pk=k), key)
    with schema_context(region_b.schema_name):
        assert not generator.check_token(User.objects.get(pk=k), key)


def test_a_confirmation_key_from_region_a_does_not_verify_region_bs_address(
    db: Any, region_a: Any, region_b: Any, mailoutbox: Any
) -> None:
    """Both unverified addresses have the same number; A's key posted on B leaves B's unverified."""
    k = shared_number(region_a, region_b)
    a_user = user_numbered(region_a, k, "andi@samarindakota.go.id", verified=False)
    user_numbered(region_b, k, "budi@balikpapan.go.id", verified=False)
    # The same address number too (what the signed keys named).
    number = 1
    for region in (region_a, region_b):
        with schema_context(region.schema_name):
            number = max(number, (EmailAddress.objects.aggregate(top=Max("pk"))["top"] or 0) + 1)
    for region in (region_a, region_b):
        with schema_context(region.schema_name):
            EmailAddress.objects.filter(user_id=k).update(id=number)

    site_a = Client(HTTP_HOST=A_HOST)
    site_a.post("/akun/login/", {"login": a_user.email, "password": PASSWORD})
    site_a.post("/akun/email/", {"action_send": "", "email": a_user.email})
    match = CONFIRM_LINK.search(mailoutbox[-1].body)
    assert match is not None, mailoutbox[-1].body
    assert f"http://{A_HOST}/akun/confirm-email/" in mailoutbox[-1].body

    Client(HTTP_HOST=B_HOST).post(f"/akun/confirm-email/{match.group(1)}/")
    with schema_context(region_b.schema_name):
        assert not EmailAddress.objects.get(user_id=k).verified
        assert not EmailConfirmation.objects.filter(key=match.group(1)).exists()  # only in A's schema
    assert site_a.post(f"/akun/confirm-email/{match.group(1)}/").status_code == 302
    with schema_context(region_a.schema_name):
        assert EmailAddress.objects.get(user_id=k).verified


def test_a_sign_in_code_from_region_a_does_not_sign_in_on_region_b(
    db: Any, region_a: Any, region_b: Any, mailoutbox: Any
) -> None:
    """The taker's emailed code: asked for on A; A's session cookie and code, presented to B."""
    k = shared_number(region_a, region_b)
    user_numbered(region_a, k, "andi@samarindakota.go.id")
    user_numbered(region_b, k, "budi@balikpapan.go.id")
    site_a = Client(HTTP_HOST=A_HOST)
    response = site_a.post("/akun/login/code/?next=/tes/", {"email": "andi@samarindakota.go.id"})
    assert response.status_code == 302
    match = CODE.search(mailoutbox[-1].body)
    assert match is not None, mailoutbox[-1].body
    code = match.group(1)

    site_b = Client(HTTP_HOST=B_HOST)
    site_b.cookies["sessionid"] = site_a.cookies["sessionid"].value
    site_b.post("/akun/login/code/confirm/", {"code": code})
    assert "_auth_user_id" not in site_b.session
    assert site_b.get("/").status_code == 302  # still anonymous on B

    assert site_a.post("/akun/login/code/confirm/", {"code": code}).status_code == 302
    assert site_a.session["_auth_user_id"] == str(k)


def totp_code(secret: str) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_second_factor_codes_from_region_a_do_not_pass_region_bs_check(
    db: Any, region_a: Any, region_b: Any
) -> None:
    """B's user k has a password the attacker knows and two-factor authentication; A's user k (the
    attacker's) has its own authenticator and recovery codes. Neither passes B's second step."""
    k = shared_number(region_a, region_b)
    a_user = user_numbered(region_a, k, "andi@samarindakota.go.id")
    b_user = user_numbered(region_b, k, "budi@balikpapan.go.id")
    a_secret, b_secret = generate_totp_secret(), generate_totp_secret()
    with schema_context(region_a.schema_name):
        TOTP.activate(a_user, a_secret)
        a_recovery = RecoveryCodes.activate(a_user).get_unused_codes()
    with schema_context(region_b.schema_name):
        TOTP.activate(b_user, b_secret)
        RecoveryCodes.activate(b_user)

    site_b = Client(HTTP_HOST=B_HOST)
    response = site_b.post("/akun/login/", {"login": b_user.email, "password": PASSWORD})
    assert response["Location"].startswith("/akun/2fa/authenticate/")
    for code in (a_recovery[0], totp_code(a_secret)):
        response = site_b.post("/akun/2fa/authenticate/", {"code": code})
        assert response.status_code == 200
        assert response.context["form"].errors
        assert "_auth_user_id" not in site_b.session
    assert site_b.post("/akun/2fa/authenticate/", {"code": totp_code(b_secret)}).status_code == 302
    assert site_b.session["_auth_user_id"] == str(k)
    with schema_context(region_b.schema_name):
        assert Authenticator.objects.filter(user_id=k).count() == 2


def test_the_takers_access_code_depends_on_the_schema(db: Any, region_a: Any, region_b: Any) -> None:
    """Codes are derived, not stored: the same round, participant and version give another code in
    another region, so a slip printed in A opens nothing in B."""
    from assessment.rounds.models import Participant
    from assessment.rounds.services.codes import code_for

    participant = Participant(pk=7, round_id=3, code_version=1)
    with schema_context(region_a.schema_name):
        in_a = code_for(participant)
    with schema_context(region_b.schema_name):
        in_b = code_for(participant)
    assert in_a != in_b
