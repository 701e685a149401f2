"""Signals for the apps above notifications (the chat integrations) to hook into reminders and digests."""

from django.dispatch import Signal

#: A company's check-in moment came and its reminder and digest emails were enqueued. Keyword arguments:
#: ``company``, ``period`` and ``now`` (ISO strings, as the tasks take them), ``reminded`` and ``leaders``
#: (the user ids :func:`notifications.reminders.recipients` chose).
checkin_messages_due = Signal()
