from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.channels.choices import ChannelKind
from ovoz.channels.services import ChannelError, channel_create
from ovoz.places.selectors import area_get_by_reference


class Command(BaseCommand):
    help = "Configure a channel and print its id, webhook URL and secret (the secret is shown only here)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=[kind.value for kind in ChannelKind])
        parser.add_argument("--name", required=True)
        parser.add_argument("--option", action="append", default=[], help="k=v, e.g. reply_url=https://gateway/send")
        parser.add_argument("--language", default="", help="Language for replies when it cannot be detected.")
        parser.add_argument("--area", default="", help="Area code or id given to concerns from this channel.")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        pairs = {}
        for option in options["option"]:
            key, separator, value = option.partition("=")
            if not separator:
                raise CommandError(f"--option takes key=value, not {option!r}.")
            pairs[key.strip()] = value.strip()
        area = area_get_by_reference(options["area"]) if options["area"] else None
        if options["area"] and area is None:
            raise CommandError(f"No area {options['area']!r}.")
        try:
            channel, secret = channel_create(
                actor=None,
                kind=ChannelKind(options["kind"]),
                name=options["name"],
                options=pairs,
                default_language=options["language"],
                default_area=area,
            )
        except ChannelError as error:
            raise CommandError(error.message) from error
        webhook = f"{settings.OVOZ_PUBLIC_URL}{channel.webhook_path}"
        if options["json"]:
            self.stdout.write(json.dumps({"id": str(channel.pk), "webhook_url": webhook, "secret": secret}))
        else:
            self.stdout.write(f"Channel {channel.pk}\nwebhook: {webhook}\nsecret: {secret}")
