"""When a company's reminders and digests go out by email, the chat copies are enqueued (one task per message)."""

from typing import Any

from django.dispatch import receiver

from chat import tasks
from chat.models import SlackInstallation, TeamsWebhook
from companies.models import Company
from notifications.signals import checkin_messages_due


@receiver(checkin_messages_due, dispatch_uid="chat.checkin_messages_due")
def enqueue_chat_messages(
    sender: Any, *, company: Company, period: str, now: str, reminded: list[int], leaders: list[int], **kwargs: Any
) -> None:
    if SlackInstallation.objects.filter(company=company).exists():
        for user_id in reminded:
            tasks.send_slack_reminder_task.delay(company.pk, user_id, period)
        for user_id in leaders:
            tasks.send_slack_digest_task.delay(company.pk, user_id, period, now)
    if TeamsWebhook.objects.filter(company=company).exists():
        tasks.post_teams_reminders_task.delay(company.pk, period)
        tasks.post_teams_digest_task.delay(company.pk, period, now)
