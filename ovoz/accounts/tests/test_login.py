import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.models import User
from ovoz.accounts.tests.factories import PASSWORD, UserFactory, current_code
from ovoz.core.models import AuditEntry
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


def test_staff_workspace_redirects_anonymous_visitors_to_login(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/?next=%2Fstaff%2F"


def test_correct_password_alone_does_not_open_the_workspace(client, coordinator):
    response = client.post("/staff/login/", {"username": "coordinator", "password": PASSWORD})
    assert response["Location"] == "/staff/login/verify/"
    assert client.get("/staff/").status_code == 302
    assert client.get("/staff/admin/").status_code == 302


def test_password_and_totp_code_open_the_workspace(client, coordinator):
    response = sign_in(client, coordinator)
    assert response["Location"] == "/staff/"
    page = client.get("/staff/")
    assert page.status_code == 200
    assert b"coordinator" in page.content
    assert AuditEntry.objects.filter(action="login", actor=coordinator).count() == 1


def test_wrong_totp_code_is_refused_and_audited(client, coordinator):
    client.post("/staff/login/", {"username": "coordinator", "password": PASSWORD})
    wrong = f"{(int(current_code(coordinator)) + 1) % 1_000_000:06d}"
    response = client.post("/staff/login/verify/", {"code": wrong})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get("/staff/").status_code == 302
    assert AuditEntry.objects.filter(action="second_factor.failed").count() == 1


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, coordinator):
    response = client.post("/staff/login/", {"username": "coordinator", "password": "wrong password!"})
    unknown = client.post("/staff/login/", {"username": "nobody", "password": "wrong password!"})
    assert "The username or password is not correct." in response.content.decode()
    assert "The username or password is not correct." in unknown.content.decode()


def test_passwords_are_hashed_with_argon2(coordinator):
    assert coordinator.password.startswith("argon2$")


def test_first_login_enrols_an_authenticator_and_shows_recovery_codes_once(client):
    user = UserFactory(username="newcomer", with_totp=False)
    response = client.post("/staff/login/", {"username": "newcomer", "password": PASSWORD})
    assert response["Location"] == "/staff/login/enrol/"
    page = client.get("/staff/login/enrol/")
    assert b"<svg" in page.content  # the QR code, drawn on the server
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page.content.decode()).group(1)
    assert secret.replace(" ", "")  # the key is shown for typing in by hand

    from django_otp.oath import totp

    code = f"{totp(device.bin_key):06d}"
    response = client.post("/staff/login/enrol/", {"code": code})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert client.get("/staff/").status_code == 200
    assert AuditEntry.objects.filter(action="second_factor.enrolled", actor=user).exists()


def test_enrolment_refuses_a_wrong_code(client):
    user = UserFactory(username="newcomer", with_totp=False)
    client.post("/staff/login/", {"username": "newcomer", "password": PASSWORD})
    client.get("/staff/login/enrol/")
    response = client.post("/staff/login/enrol/", {"code": "000000"})
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.get("/staff/").status_code == 302


def test_a_recovery_code_works_once(client, coordinator):
    from ovoz.accounts.services import recovery_codes_regenerate

    codes = recovery_codes_regenerate(user=coordinator)
    assert sign_in(client, coordinator, code=codes[0])["Location"] == "/staff/"
    client.post("/staff/logout/")
    other = Client()
    response = sign_in(other, coordinator, code=codes[0])
    assert response.status_code == 200
    assert other.get("/staff/").status_code == 302


def test_repeated_failures_lock_that_account_only(client, settings):
    settings.OVOZ_LOGIN_FAILURES_BEFORE_LOCK = 3
    target = UserFactory(username="target")
    bystander = UserFactory(username="bystander")
    for _attempt in range(3):
        client.post("/staff/login/", {"username": "target", "password": "not the password"})
    target.refresh_from_db()
    assert target.is_locked()

    # The right password no longer works for the locked account...
    response = Client().post("/staff/login/", {"username": "target", "password": PASSWORD})
    assert "locked" in response.content.decode()
    # ...while another account, from the very same client, signs in normally.
    assert sign_in(client, bystander)["Location"] == "/staff/"
    bystander.refresh_from_db()
    assert not bystander.is_locked()
    assert AuditEntry.objects.filter(action="login.locked", object_id=str(target.pk)).count() == 1


def test_wrong_second_factor_codes_also_lock_the_account(client, settings):
    settings.OVOZ_LOGIN_FAILURES_BEFORE_LOCK = 2
    user = UserFactory(username="target")
    client.post("/staff/login/", {"username": "target", "password": PASSWORD})
    client.post("/staff/login/verify/", {"code": "000001"})
    response = client.post("/staff/login/verify/", {"code": "000002"})
    assert response["Location"] == "/staff/login/"
    user.refresh_from_db()
    assert user.is_locked()


def test_successful_login_clears_the_failure_count(client, coordinator):
    client.post("/staff/login/", {"username": "coordinator", "password": "not the password"})
    coordinator.refresh_from_db()
    assert coordinator.failed_login_count == 1
    sign_in(client, coordinator)
    coordinator.refresh_from_db()
    assert coordinator.failed_login_count == 0


def test_logout_only_by_post(signed_in_client):
    assert signed_in_client.get("/staff/logout/").status_code == 405
    assert signed_in_client.get("/staff/").status_code == 200
    assert signed_in_client.post("/staff/logout/").status_code == 302
    assert signed_in_client.get("/staff/").status_code == 302


def test_password_change_ends_every_session(coordinator):
    first, second = Client(), Client()
    sign_in(first, coordinator)
    sign_in(second, coordinator)
    new_password = "a brand new long passphrase"
    response = first.post(
        "/staff/account/",
        {"current_password": PASSWORD, "new_password": new_password, "new_password_again": new_password},
    )
    assert response["Location"] == "/staff/login/"
    assert first.get("/staff/").status_code == 302
    assert second.get("/staff/").status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.check_password(new_password)


def test_password_change_refuses_a_wrong_current_password(signed_in_client, coordinator):
    response = signed_in_client.post(
        "/staff/account/",
        {
            "current_password": "not it at all",
            "new_password": "another long pass",
            "new_password_again": "another long pass",
        },
    )
    assert response.status_code == 200
    coordinator.refresh_from_db()
    assert coordinator.check_password(PASSWORD)


def test_login_redirects_back_to_the_page_asked_for(client, coordinator):
    client.post("/staff/login/?next=/staff/themes/", {"username": "coordinator", "password": PASSWORD})
    response = client.post("/staff/login/verify/", {"code": current_code(coordinator)})
    assert response["Location"] == "/staff/themes/"


def test_login_never_redirects_to_another_site(client, coordinator):
    client.post("/staff/login/?next=https://evil.example/", {"username": "coordinator", "password": PASSWORD})
    response = client.post("/staff/login/verify/", {"code": current_code(coordinator)})
    assert response["Location"] == "/staff/"


def test_audit_log_holds_no_password(client, coordinator):
    client.post("/staff/login/", {"username": "coordinator", "password": "secret guess 123"})
    sign_in(client, coordinator)
    for entry in AuditEntry.objects.all():
        assert "secret guess" not in str(entry.data)
        assert PASSWORD not in str(entry.data)


def test_role_changes_are_audited():
    from ovoz.accounts.services import user_set_role

    admin = UserFactory(username="root", role=DeploymentRole.ADMINISTRATOR)
    user = UserFactory(username="someone", role=DeploymentRole.NONE)
    user_set_role(actor=admin, user=user, role=DeploymentRole.COORDINATOR)
    entry = AuditEntry.objects.get(action="role.changed", object_id=str(user.pk))
    assert entry.actor == admin
    assert entry.data == {"from": "", "to": "coordinator"}
    assert User.objects.get(pk=user.pk).role == "coordinator"


def test_create_staff_command_makes_an_administrator_who_must_enrol(monkeypatch, capsys):
    import io

    from django.core.management import call_command

    monkeypatch.setattr("sys.stdin", io.StringIO("a long admin passphrase\n"))
    call_command("create_staff", "firstadmin", "--role", "administrator", "--password-stdin")
    user = User.objects.get(username="firstadmin")
    assert user.is_administrator and user.is_superuser
    assert user.check_password("a long admin passphrase")
    assert not TOTPDevice.objects.filter(user=user).exists()
    client = Client()
    response = client.post("/staff/login/", {"username": "firstadmin", "password": "a long admin passphrase"})
    assert response["Location"] == "/staff/login/enrol/"


def test_create_staff_command_refuses_a_weak_password(monkeypatch):
    import io

    from django.core.management import CommandError, call_command

    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError):
        call_command("create_staff", "weak", "--password-stdin")
    assert not User.objects.filter(username="weak").exists()


def test_recovery_codes_are_stored_only_as_keyed_hashes(coordinator):
    from ovoz.accounts.services import recovery_codes_regenerate

    codes = recovery_codes_regenerate(user=coordinator)
    stored = set(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & set(codes)


def test_making_new_recovery_codes_keeps_a_session_signed_in_with_one(client, coordinator):
    from ovoz.accounts.services import recovery_codes_regenerate

    codes = recovery_codes_regenerate(user=coordinator)
    sign_in(client, coordinator, code=codes[0])
    response = client.post("/staff/account/recovery-codes/")
    assert len(re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())) == 10
    assert client.get("/staff/").status_code == 200


def test_guessing_at_an_unknown_username_ends_with_the_same_lock_message(client, settings):
    settings.OVOZ_LOGIN_FAILURES_BEFORE_LOCK = 2
    UserFactory(username="real")
    answers = {}
    for username in ("real", "ghost"):
        for _attempt in range(3):
            response = client.post("/staff/login/", {"username": username, "password": "wrong guess here"})
        answers[username] = re.search(r'role="alert"><p>([^<]+)</p>', response.content.decode()).group(1)
    assert answers["real"] == answers["ghost"]
    assert "locked" in answers["ghost"]


def test_an_administrator_setting_anothers_password_is_audited_and_accounts_cannot_be_deleted(client):
    admin = UserFactory(username="root", role=DeploymentRole.ADMINISTRATOR)
    other = UserFactory(username="other")
    sign_in(client, admin)
    response = client.post(
        f"/staff/admin/accounts/user/{other.pk}/password/",
        {"password1": "another long passphrase", "password2": "another long passphrase", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(
        action="password.set_by_administrator", object_id=str(other.pk), actor=admin
    ).exists()
    assert client.post(f"/staff/admin/accounts/user/{other.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=other.pk).exists()


def test_the_audit_log_keeps_its_actors(coordinator):
    from django.db.models import ProtectedError

    from ovoz.core.events import AuditAction
    from ovoz.core.services import audit_record

    audit_record(action=AuditAction.LOGIN, actor=coordinator, target=coordinator)
    with pytest.raises(ProtectedError):
        coordinator.delete()
