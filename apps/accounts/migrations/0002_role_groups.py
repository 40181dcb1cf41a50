"""The three roles as Django groups, with their permissions.

Frozen here on purpose: a migration must not change meaning when the code moves on.
Admins also get Django's permissions on users, groups and Celery schedules, so that they
can manage people and edit schedules in the admin site.
"""

from django.db import migrations

ACTIONS = {
    "view_instances": "See the instances granted to them",
    "manage_instances": "Add, edit and delete instances and credentials",
    "manage_users": "Manage users, roles and grants",
    "view_audit": "Read the audit trail",
    "lookup_leads": "Look up leads",
    "browse_assets": "Browse the asset mirror",
    "manage_assets": "Approve, unapprove and clone assets",
    "view_usage": "Read usage and quota reports",
}
ROLES = {
    "admin": set(ACTIONS),
    "operator": {"view_instances", "lookup_leads", "browse_assets", "manage_assets", "view_usage"},
    "viewer": {"view_instances", "browse_assets", "view_usage"},
}
ADMIN_MODELS = [
    ("auth", "user"),
    ("auth", "group"),
    ("django_celery_beat", "periodictask"),
    ("django_celery_beat", "crontabschedule"),
    ("django_celery_beat", "intervalschedule"),
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    profile_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="profile")
    role_permissions = {}
    for codename, name in ACTIONS.items():
        role_permissions[codename], _ = Permission.objects.get_or_create(
            content_type=profile_type, codename=codename, defaults={"name": name}
        )
    for role, actions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(role_permissions[a] for a in actions))

    admin_group = Group.objects.get(name="admin")
    for app_label, model in ADMIN_MODELS:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        for verb in ("add", "change", "delete", "view"):
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{verb}_{model}",
                defaults={"name": f"Can {verb} {model}"},
            )
            admin_group.permissions.add(permission)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
