import factory
from django.contrib.auth import get_user_model

from apps.accounts.services import user_set_role
from apps.audit.context import AuditContext
from apps.core.permissions import Role

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a role: UserFactory(role=Role.VIEWER), and a time zone they chose:
    UserFactory(time_zone="Europe/Paris"). Password: factories.PASSWORD."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()  # the password set just before
        if extracted is not None:
            user_set_role(user=self, role=Role(extracted))

    @factory.post_generation
    def time_zone(self, create, extracted, **kwargs):
        """UserFactory(time_zone="Europe/Paris"): a zone the user chose, which signing in
        from a browser in another zone leaves alone."""
        if create and extracted:
            from apps.accounts.models import Profile

            Profile.objects.update_or_create(
                user=self,
                defaults={
                    "time_zone": extracted,
                    "time_zone_source": Profile.TimeZoneSource.CHOSEN,
                },
            )


def make_instance(name="Production", *, secret="s3cret-client-secret-0001", **fields):
    """A stored instance, through the service that encrypts its secret."""
    from apps.instances.services import instance_create

    fields.setdefault("munchkin_id", "123-ABC-456")
    fields.setdefault("client_id", f"client-{name.lower().replace(' ', '-')}")
    return instance_create(
        actor=None, audit=AuditContext.system(), client_secret=secret, name=name, **fields
    )


def make_sandbox_instance(sandbox, name="Sandbox", **fields):
    """A stored instance that the test's sandbox serves, with its credentials."""
    return make_instance(
        name,
        client_id=sandbox.client_id,
        secret=sandbox.client_secret,
        rest_url=sandbox.rest_url,
        identity_url=sandbox.identity_url,
        **fields,
    )
