from django.apps import AppConfig, apps


class NegotiationsConfig(AppConfig):
    name = "negotiations"

    def ready(self) -> None:
        from negotiations import versions
        from negotiations.positions import signals  # noqa: F401 - connects the recompute

        record = [
            *apps.get_app_config("actors").get_models(),
            *(
                model
                for model in self.get_models()
                if model._meta.model_name
                in {
                    "negotiation",
                    "participant",
                    "issue",
                    "proposal",
                    "provision",
                    "demand",
                    "source",
                    "statement",
                    "claim",
                }
            ),
        ]
        versions.connect_versioned(record)
