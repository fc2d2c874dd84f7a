from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ovoz.accounts.permissions import staff_user
from ovoz.channels.choices import ChannelKind
from ovoz.channels.models import Channel, OutboundMessage
from ovoz.channels.services import ChannelError, channel_create


class ChannelForm(forms.ModelForm):  # type: ignore[type-arg]
    options = forms.CharField(
        label=gettext_lazy("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One key=value per line, as for ovoz channel-create: reply_url for a generic gateway; "
            "account_sid, auth_token and from for Twilio; send_url for RapidPro; token for a Telegram bot. "
            "Stored encrypted."
        ),
    )

    def clean_options(self) -> dict[str, str]:
        pairs = {}
        for line in self.cleaned_data["options"].splitlines():
            if not line.strip():
                continue
            key, separator, value = line.partition("=")
            if not separator:
                raise forms.ValidationError(_("Write each option as key=value."))
            pairs[key.strip()] = value.strip()
        return pairs

    class Meta:
        model = Channel
        fields = ("kind", "name", "default_language", "default_area", "is_active")


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Channels are added here or with `ovoz channel-create`; the secret is shown once, when added."""

    form = ChannelForm
    list_display = ("name", "kind", "is_active", "id")
    raw_id_fields = ("default_area",)
    readonly_fields = ("webhook_path",)

    @admin.display(description=gettext_lazy("webhook"))
    def webhook_path(self, channel: Channel) -> str:
        return channel.webhook_path if channel.pk else ""

    def get_readonly_fields(self, request: HttpRequest, obj: Channel | None = None) -> tuple[str, ...]:
        return ("kind", "webhook_path") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Channel, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            channel, secret = channel_create(
                actor=staff_user(request),
                kind=ChannelKind(obj.kind),
                name=obj.name,
                options=form.cleaned_data.get("options") or {},
                default_language=obj.default_language,
                default_area=obj.default_area,
            )
        except ChannelError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk, obj.credentials_ciphertext, obj.created_at = (
            channel.pk,
            channel.credentials_ciphertext,
            channel.created_at,
        )
        self.message_user(
            request,
            _("Webhook %(path)s with the secret %(secret)s. Copy the secret now: it is not shown again.")
            % {"path": channel.webhook_path, "secret": secret},
            messages.WARNING,
        )

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # deactivate instead: messages and conversations point at the channel


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Replies and their delivery state; their text and recipient are encrypted and never shown."""

    list_display = ("created_at", "channel", "concern", "state", "attempts", "last_error", "sent_at")
    list_filter = ("state", "channel")
    fields = ("channel", "concern", "state", "attempts", "last_error", "sent_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
