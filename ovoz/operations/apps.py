from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """The operational workshop on top of every app: demo data, the generator, seed, retention runs,
    backups, and ``ovoz serve`` with its worker supervisor and daily scheduler. No models, so the
    admin never shows its name (left untranslated: no new catalog string)."""

    name = "ovoz.operations"
    label = "operations"
