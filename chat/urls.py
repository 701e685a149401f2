from django.urls import path

from chat import views

app_name = "chat"

#: Company pages, mounted under /c/<company_slug>/settings/.
urlpatterns = [
    path("slack/", views.slack_settings, name="slack_settings"),
    path("slack/connect/", views.slack_install, name="slack_install"),
    path("slack/disconnect/", views.slack_disconnect, name="slack_disconnect"),
    path("slack/test/", views.slack_test, name="slack_test"),
    path("teams/", views.teams_settings, name="teams_settings"),
    path("teams/remove/", views.teams_remove, name="teams_remove"),
    path("teams/test/", views.teams_test, name="teams_test"),
]

#: What Slack calls (no company in the URL: it comes from the workspace), mounted under /integrations/slack/.
slack_urlpatterns = [
    path("oauth/callback/", views.slack_oauth_callback, name="slack_oauth_callback"),
    path("interactions/", views.slack_interactions, name="slack_interactions"),
    path("commands/", views.slack_commands, name="slack_commands"),
]
