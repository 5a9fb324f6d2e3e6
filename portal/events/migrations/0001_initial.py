# The webhook models move here from the API app. Their tables stay where api 0001 created them
# (Meta.db_table), so this migration changes the migration state only; api 0002 then drops the
# models from the API app's state. A deployment keeps every subscription, delivery and attempt.
# https://docs.djangoproject.com/en/5.2/ref/migration-operations/#separatedatabaseandstate

import django.db.models.deletion
import portal.core.fields
import portal.events.models
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('api', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='WebhookSubscription',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('name', models.CharField(help_text="Who receives it, e.g. 'billing'.", max_length=100)),
                        ('url', models.URLField(help_text='Where deliveries are POSTed.', max_length=500)),
                        ('event_types', models.JSONField(default=list, help_text='Event types delivered to this endpoint.')),
                        ('secret', portal.core.fields.EncryptedJSONField(blank=True, default=dict, editable=False)),
                        ('active', models.BooleanField(default=True, help_text='Inactive subscriptions get nothing.')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'api_webhooksubscription',
                        'ordering': ['name', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('event_id', models.UUIDField(default=uuid.uuid4, editable=False)),
                        ('event_type', models.CharField(db_index=True, max_length=64)),
                        ('payload', models.JSONField(default=dict)),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('delivered', 'Delivered'), ('failed', 'Failed (gave up)')], default='pending', max_length=16)),
                        ('attempts', models.PositiveIntegerField(default=0)),
                        ('max_attempts', models.PositiveIntegerField(default=portal.events.models._default_max_attempts)),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('last_status_code', models.IntegerField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('subscription', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='events.webhooksubscription')),
                    ],
                    options={
                        'verbose_name_plural': 'webhook deliveries',
                        'db_table': 'api_webhookdelivery',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='WebhookAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField()),
                        ('at', models.DateTimeField(auto_now_add=True)),
                        ('status_code', models.IntegerField(blank=True, null=True)),
                        ('response_body', models.TextField(blank=True)),
                        ('error', models.TextField(blank=True)),
                        ('duration_ms', models.PositiveIntegerField(default=0)),
                        ('delivery', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempt_log', to='events.webhookdelivery')),
                    ],
                    options={
                        'db_table': 'api_webhookattempt',
                        'ordering': ['delivery', 'number'],
                        'constraints': [models.UniqueConstraint(fields=('delivery', 'number'), name='webhook_attempt_once')],
                    },
                ),
                # The name api 0001 gave the index (derived from the unchanged table name).
                migrations.AddIndex(
                    model_name='webhookdelivery',
                    index=models.Index(fields=['subscription', '-created_at'], name='api_webhook_subscri_d1ab97_idx'),
                ),
            ],
        ),
    ]
