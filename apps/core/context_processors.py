from marketo_admin import __version__


def shell(request):
    """What the base layout needs on every page: the menu and the instance switcher."""
    from apps.core.navigation import menu_for

    user = getattr(request, "user", None)
    context = {
        "app_version": __version__,
        "menu": [],
        "current_section": request.path.strip("/").split("/", 1)[0],
    }
    if user is not None and user.is_authenticated:
        context["menu"] = menu_for(user)
        context.update(_switcher(user))
        # A callable: the template calls it only when it shows the banner (base.html), so
        # fragments rendered for htmx do not read the quota.
        context["quota_alerts"] = lambda: _quota_alerts(user)
    return context


def _switcher(user):
    from apps.accounts.selectors import profile_get
    from apps.instances.models import MarketoInstance
    from apps.instances.selectors import current_instance

    instances = list(MarketoInstance.objects.visible_to(user).filter(enabled=True).only("name"))
    current = current_instance(user=user, profile=profile_get(user=user)) if instances else None
    return {"switcher_instances": instances, "current_instance": current}


def _quota_alerts(user):
    from apps.usage.quota import quota_alerts

    return quota_alerts(user=user)
