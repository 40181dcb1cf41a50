from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "apps.assets"
    label = "assets"
    verbose_name = "Asset mirror"

    def ready(self) -> None:
        # Other apps show programs, lists and folders by id; the mirror names them
        # (apps/core/names.py).
        from apps.assets.names import register_names

        register_names()
