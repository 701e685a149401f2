"""The leaders' view over time: daily progress snapshots and the company and department dashboards."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "insights"

    def ready(self) -> None:
        from insights import receivers  # noqa: F401 - connects the receivers (Django's documented place)
