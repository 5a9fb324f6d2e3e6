# The webhook models now belong to the events app (events 0001 took them over in the migration
# state); their tables stay, so they leave the API app's state only.
# https://docs.djangoproject.com/en/5.2/ref/migration-operations/#separatedatabaseandstate

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0001_initial'),
        ('events', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='WebhookAttempt'),
                migrations.DeleteModel(name='WebhookDelivery'),
                migrations.DeleteModel(name='WebhookSubscription'),
            ],
        ),
    ]
