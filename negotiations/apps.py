from django.apps import AppConfig


class NegotiationsConfig(AppConfig):
    name = "negotiations"

    def ready(self) -> None:
        from negotiations import signals  # noqa: F401 - connects the receivers
