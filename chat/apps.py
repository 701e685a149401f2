from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Chat integrations (Slack, Microsoft Teams)"

    def ready(self) -> None:
        from chat import receivers  # noqa: F401 - connects the receivers (Django's documented place)
