from django.urls import path

from ovoz.accounts.views import recipients, staff

app_name = "accounts"

urlpatterns = [
    path("login/", staff.login_view, name="login"),
    path("login/verify/", staff.login_verify_view, name="login_verify"),
    path("login/enrol/", staff.enrol_view, name="enrol"),
    path("logout/", staff.logout_view, name="logout"),
    path("account/", staff.account_view, name="account"),
    path("account/key/", staff.key_view, name="key"),
    path("account/recovery-codes/", staff.recovery_codes_view, name="recovery_codes"),
    path("recipients/", recipients.recipients_view, name="recipients"),
]
