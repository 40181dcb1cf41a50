from marketo_admin import __version__


def shell(request):
    """What the base layout needs on every page."""
    from apps.core.navigation import menu_for

    user = getattr(request, "user", None)
    return {
        "app_version": __version__,
        "menu": menu_for(user) if user is not None and user.is_authenticated else [],
        "current_section": request.path.strip("/").split("/", 1)[0],
    }
