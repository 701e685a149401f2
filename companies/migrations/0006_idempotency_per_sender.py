"""Scope idempotency keys to their sender (user or API key) and keep the replayed headers.

Records stored before this migration have no sender; they match no request
afterwards and are purged with the others.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0005_text_validators"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="idempotencyrecord",
            name="idempotency_key_per_company",
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="sender_kind",
            field=models.CharField(choices=[("user", "Person"), ("api_key", "API key")], default="", max_length=8),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="sender_id",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="response_headers",
            field=models.JSONField(default=dict),
        ),
        migrations.AddConstraint(
            model_name="idempotencyrecord",
            constraint=models.UniqueConstraint(
                fields=("company", "sender_kind", "sender_id", "key"), name="idempotency_key_per_sender"
            ),
        ),
    ]
