"""The recipients of confidential concerns: who they are, and the two-person changes to that list."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ovoz.accounts import selectors, services
from ovoz.accounts.decorators import staff_required
from ovoz.accounts.errors import AccountError
from ovoz.accounts.forms import RecipientProposeForm
from ovoz.accounts.models import RecipientChange
from ovoz.accounts.permissions import (
    can_confirm_recipient_change,
    can_propose_recipient_change,
    can_see_confidential_recipients,
    can_withdraw_recipient_change,
    staff_user,
)


@never_cache
@staff_required(permission=can_see_confidential_recipients)
@require_http_methods(["GET", "POST"])
def recipients_view(request: HttpRequest) -> HttpResponse:
    """Administrators propose; another administrator or a current recipient confirms or withdraws."""
    user = staff_user(request)
    action = request.POST.get("action", "")
    form = RecipientProposeForm(request.POST if action == "propose" else None)
    if request.method == "POST":
        try:
            if action == "propose" and form.is_valid():
                services.recipient_change_propose(
                    actor=user, user=form.cleaned_data["user"], receives=form.cleaned_data["change"] == "add"
                )
                messages.success(request, _("Proposed. It takes effect once someone else confirms it."))
                return redirect("accounts:recipients")
            if action in ("confirm", "withdraw"):
                change = selectors.recipient_change_get(change_id=request.POST.get("change"))
                if action == "confirm":
                    services.recipient_change_confirm(actor=user, change=change)
                    messages.success(request, _("Confirmed. The recipients have been told."))
                else:
                    services.recipient_change_withdraw(actor=user, change=change)
                    messages.success(request, _("Withdrawn."))
                return redirect("accounts:recipients")
        except AccountError as error:
            if action == "propose":
                form.add_error(None, str(error.message))
            else:
                messages.error(request, str(error.message))
    open_changes = selectors.recipient_change_open_list()
    context = {
        "recipients": selectors.recipient_list(),
        "open_changes": [_with_rights(change, user) for change in open_changes],
        "history": selectors.recipient_change_list(),
        "form": form if can_propose_recipient_change(user) else None,
    }
    return render(request, "accounts/recipients.html", context, status=400 if form.errors else 200)


def _with_rights(change: RecipientChange, user: object) -> tuple[RecipientChange, bool, bool]:
    return change, can_confirm_recipient_change(user, change), can_withdraw_recipient_change(user, change)
