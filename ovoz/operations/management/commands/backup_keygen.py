from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ovoz.operations.backup_format import keypair_generate


class Command(BaseCommand):
    help = (
        "Print a new backup keypair, once: the public key goes on the server (OVOZ_BACKUP_PUBLIC_KEY), "
        "the private key stays offline and is needed by `ovoz restore`."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        keypair = keypair_generate()
        self.stdout.write(
            f"Backup key {keypair.key_id}\n\n"
            "Public key: set it on the server (it can only write backups, not read them):\n"
            f"OVOZ_BACKUP_PUBLIC_KEY={keypair.public}\n\n"
            "Private key: store it offline, never on the server; it is shown only now. "
            "Without it no backup made for this key can be restored:\n"
            f"{keypair.private}\n"
        )
