import factory

from keyaccounts.core.models import City, SiCompany, Team, User
from keyaccounts.core.roles import sync_role_groups

PASSWORD = "s3cret-pass"


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"city{n}")
    name_en = factory.LazyAttribute(lambda o: o.code.title())
    name_zh = factory.LazyAttribute(lambda o: f"{o.code}市")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    code = factory.Sequence(lambda n: f"team{n}")
    kind = Team.Kind.CUSTOMER_AUDIT
    city = factory.SubFactory(CityFactory)
    name_en = factory.LazyAttribute(lambda o: f"Team {o.code}")
    name_zh = factory.LazyAttribute(lambda o: f"{o.code}组")


class SiCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SiCompany

    code = factory.Sequence(lambda n: f"si{n}")
    name_en = factory.LazyAttribute(lambda o: f"SI {o.code}")
    name_zh = factory.LazyAttribute(lambda o: f"集成商{o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    city = factory.SubFactory(CityFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        self.save()
        if extracted:
            self.teams.set(extracted)


def make_user(role, **kwargs) -> User:
    """A user holding one role (a group with the role's default permissions)."""
    groups = sync_role_groups()
    user = UserFactory(**kwargs)
    user.groups.set([groups[str(role)]])
    return user


def credit_code(serial: int, region: str = "220100") -> str:
    """A valid unified social credit code (GB 32100-2015) for the serial number."""
    from customers.demo import demo_credit_code

    return demo_credit_code(900_000 + serial, region)


def customer_fields(serial: int = 1, **overrides) -> dict:
    return {
        "name": f"测试企业{serial} Test Enterprise {serial}",
        "credit_code": credit_code(serial),
        "industry": "manufacturing",
        "size": "medium",
        "address": "人民大街 1 号",
        "proposed_level": "C",
        "level_reason": "annual spend 2M",
        **overrides,
    }


CONTACT = {"name": "王芳", "role": "IT director", "phone": "13904311234", "email": "wf@example.com"}
