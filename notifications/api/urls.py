"""API routes of the notifications app, mounted under /api/v1/companies/<slug>/."""

from django.urls import path

from notifications.api import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/unread-count/", views.UnreadCountView.as_view(), name="notification-unread-count"),
    path("notifications/read-all/", views.MarkAllReadView.as_view(), name="notification-read-all"),
    path("notifications/preferences/", views.PreferencesView.as_view(), name="notification-preferences"),
    path("notifications/<int:pk>/read/", views.MarkReadView.as_view(), name="notification-read"),
]
