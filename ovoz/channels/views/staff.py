"""Staff pages of the channels app: linking one's Telegram chat for reminders."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.channels.choices import ChannelKind
from ovoz.channels.models import Channel, StaffChatLink
from ovoz.channels.staff_links import LINK_CODE_MINUTES, chat_unlink, link_code_create


@staff_required
@require_http_methods(["GET", "POST"])
def telegram_link_view(request: HttpRequest) -> HttpResponse:
    """Ask for a one-time code to send to the bot, or remove the link."""
    user = staff_user(request)
    code = ""
    if request.method == "POST":
        if request.POST.get("action") == "unlink":
            chat_unlink(user=user)
        else:
            code = link_code_create(user=user)
    has_bot = Channel.objects.filter(kind=ChannelKind.TELEGRAM, is_active=True).exists()
    is_linked = StaffChatLink.objects.filter(user=user).exists()
    return render(
        request,
        "channels/staff/telegram_link.html",
        {"code": code, "has_bot": has_bot, "is_linked": is_linked, "minutes": LINK_CODE_MINUTES},
    )
