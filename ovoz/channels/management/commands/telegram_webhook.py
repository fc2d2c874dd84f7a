from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.channels.choices import ChannelKind
from ovoz.channels.models import Channel
from ovoz.channels.telegram import BotApiError, bot_api_for


class Command(BaseCommand):
    help = "Point a Telegram bot's webhook at this Ovoz (set) or remove it (delete)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["set", "delete"])
        parser.add_argument("channel", help="The channel's id or its exact name.")

    def handle(self, *args: Any, **options: Any) -> None:
        reference = options["channel"]
        channels = Channel.objects.filter(kind=ChannelKind.TELEGRAM)
        try:
            channel = channels.filter(pk=uuid.UUID(reference)).first()
        except ValueError:  # not an id: a name
            channel = channels.filter(name=reference).first()
        if channel is None:
            raise CommandError(f"No Telegram channel {reference!r}.")
        credentials = channel.credentials()
        api = bot_api_for(credentials)
        try:
            if options["action"] == "set":
                url = f"{settings.OVOZ_PUBLIC_URL}{channel.webhook_path}"
                if not url.startswith("https://"):
                    self.stderr.write("Telegram only calls https:// webhooks; OVOZ_PUBLIC_URL is " + url)
                api.set_webhook(url=url, secret_token=credentials["secret"])
                self.stdout.write(f"Webhook of {channel.name} set to {url}")
            else:
                api.delete_webhook()
                self.stdout.write(f"Webhook of {channel.name} deleted")
        except BotApiError as error:
            raise CommandError(error.message) from None
