from django.db import models


class BareRow(models.Model):
    """A table as wide as concerns_concern, for the bare-insert baseline of bench/intake.py."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    receipt_hash = models.CharField(max_length=64, unique=True)
    receipt_valid_until = models.DateTimeField()
    submission_hash = models.CharField(max_length=64, unique=True, null=True)  # noqa: DJ001
    sealed_receipt = models.BinaryField(null=True)
    text = models.TextField()
    language = models.CharField(max_length=8, blank=True)
    is_language_chosen = models.BooleanField(default=False)
    channel = models.CharField(max_length=16)
    area_id = models.BigIntegerField(null=True)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    visibility = models.CharField(max_length=16)
    status = models.CharField(max_length=16, default="received")
    close_reason = models.CharField(max_length=32, blank=True)
    duplicate_of_id = models.BigIntegerField(null=True)
    public_text = models.TextField(blank=True)
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True)
    support_count = models.PositiveIntegerField(default=0)
    contact_ciphertext = models.BinaryField(null=True)
    contact_phone_hash = models.CharField(max_length=64, blank=True)
    contact_email_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return str(self.pk)
