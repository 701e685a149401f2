from django.apps import AppConfig


class ObjectivesConfig(AppConfig):
    name = "objectives"

    def ready(self) -> None:
        from objectives import receivers  # noqa: F401 - connects the receivers (Django's documented place)
