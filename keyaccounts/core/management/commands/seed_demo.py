"""Demo data: people and places, then each app's (`registry.seeders`): products, a calendar, customers and
their business; `--configuration-only` stops before the business (no customer, account, opportunity or order).
Idempotent: run it as often as you like."""

from django.core.management.base import BaseCommand
from django.db import transaction

from keyaccounts.core import registry
from keyaccounts.core.models import City, SiCompany, Team, User
from keyaccounts.core.roles import Role, sync_role_groups

DEMO_PASSWORD = "keyaccounts"  # noqa: S105 - demo logins are printed by `make run` on purpose

CITIES = [  # code, English, Chinese
    ("changchun", "Changchun", "长春"),
    ("jilin", "Jilin", "吉林"),
    ("siping", "Siping", "四平"),
    ("liaoyuan", "Liaoyuan", "辽源"),
    ("tonghua", "Tonghua", "通化"),
    ("baishan", "Baishan", "白山"),
    ("songyuan", "Songyuan", "松原"),
    ("baicheng", "Baicheng", "白城"),
    ("yanbian", "Yanbian", "延边"),
]
DEMO_CITIES = ("changchun", "jilin")
CITY_TEAM_KINDS = [
    Team.Kind.CUSTOMER_AUDIT,
    Team.Kind.ORDER_ACCEPTANCE,
    Team.Kind.PROVISIONING,
    Team.Kind.NETWORK_LIAISON,
    Team.Kind.ASSURANCE_DESK,
]
PROVINCIAL_TEAM_KINDS = [Team.Kind.PRESALES, Team.Kind.QUALITY, Team.Kind.BILLING]
TEAM_NAMES_ZH = {
    Team.Kind.CUSTOMER_AUDIT: "客户资料审核组",
    Team.Kind.PRESALES: "售前方案组",
    Team.Kind.ORDER_ACCEPTANCE: "订单受理组",
    Team.Kind.PROVISIONING: "开通协调组",
    Team.Kind.NETWORK_LIAISON: "网络联络组",
    Team.Kind.QUALITY: "质量管理组",
    Team.Kind.ASSURANCE_DESK: "客户服务保障台",
    Team.Kind.BILLING: "计费账务组",
}
TEAM_NAMES_EN = {
    Team.Kind.CUSTOMER_AUDIT: "Customer data audit",
    Team.Kind.PRESALES: "Pre-sales solutions",
    Team.Kind.ORDER_ACCEPTANCE: "Order acceptance",
    Team.Kind.PROVISIONING: "Provisioning coordination",
    Team.Kind.NETWORK_LIAISON: "Network liaison",
    Team.Kind.QUALITY: "Quality",
    Team.Kind.ASSURANCE_DESK: "Assurance desk",
    Team.Kind.BILLING: "Billing",
}
# code, English, Chinese, works in our portal: the integrators' staff work there, the platforms answer over the interface
SI_COMPANIES = [
    ("jl-smart", "Jilin Smart Integration Co.", "吉林智联集成有限公司", True),
    ("ne-iot", "Northeast IoT Solutions Ltd.", "东北物联网解决方案有限公司", True),
    ("sms-platform", "Group SMS platform (MAS/ADC)", "集团短信平台（MAS/ADC）", False),
    ("mail-platform", "Mobile mailbox platform", "手机邮箱平台", False),
]
# username, given name, family name (Chinese: shown family name first, 王伟), role, city code (None: provincial),
# team kinds, SI company code
PEOPLE = [
    ("admin", "明", "郑", Role.ADMINISTRATOR, None, [], None),
    ("sup_province", "伟", "王", Role.PROVINCIAL_SUPERVISOR, None, [], None),
    (
        "presales",
        "敏",
        "赵",
        Role.BACK_OFFICE,
        None,
        [Team.Kind.PRESALES, Team.Kind.QUALITY, Team.Kind.BILLING],
        None,
    ),
    ("si_jlsmart", "丽", "孙", Role.SI_PARTNER, None, [], "jl-smart"),
    ("si_neiot", "平", "周", Role.SI_PARTNER, None, [], "ne-iot"),
]
# Per demo city: the given names of its account managers, back office, operations and supervisor.
_CITY_PEOPLE = {
    "changchun": {"am": "芳", "am2": "静", "bo": "洋", "ops": "磊", "sup": "强"},
    "jilin": {"am": "娜", "am2": "秀英", "bo": "军", "ops": "勇", "sup": "杰"},
}
for _code in DEMO_CITIES:
    _given = _CITY_PEOPLE[_code]
    PEOPLE += [
        (f"am_{_code}", _given["am"], "李", Role.ACCOUNT_MANAGER, _code, [], None),
        (f"am2_{_code}", _given["am2"], "陈", Role.ACCOUNT_MANAGER, _code, [], None),
        (
            f"bo_{_code}",
            _given["bo"],
            "刘",
            Role.BACK_OFFICE,
            _code,
            [Team.Kind.CUSTOMER_AUDIT, Team.Kind.ORDER_ACCEPTANCE, Team.Kind.ASSURANCE_DESK],
            None,
        ),
        (
            f"ops_{_code}",
            _given["ops"],
            "杨",
            Role.BACK_OFFICE,
            _code,
            [Team.Kind.PROVISIONING, Team.Kind.NETWORK_LIAISON],
            None,
        ),
        (f"sup_{_code}", _given["sup"], "黄", Role.CITY_SUPERVISOR, _code, [], None),
    ]


def demo_team_code(kind: str, city_code: str | None) -> str:
    return f"{city_code or 'province'}-{kind}".replace("_", "-")


class Command(BaseCommand):
    help = "Load demo people, places, products and a calendar (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--print-logins", action="store_true", help="Only print the demo logins.")
        parser.add_argument(
            "--configuration-only",
            action="store_true",
            help="People, places, products, SLA policies, calendars and rules: no customer or business record.",
        )

    def handle(self, *args, **options):
        if options["print_logins"]:
            self._print_logins()
            return
        self._seed(configuration_only=options["configuration_only"])
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(PEOPLE)} users."))

    def _print_logins(self) -> None:
        self.stdout.write(f" Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, _first, _last, role, city_code, _teams, company in PEOPLE:
            where = city_code or company or "province"
            self.stdout.write(f"   {username:<16} {role.label} ({where})")

    @transaction.atomic
    def _seed(self, *, configuration_only: bool = False) -> None:
        groups = sync_role_groups()
        cities = self._cities()
        teams = self._teams(cities)
        companies = {
            code: SiCompany.objects.update_or_create(
                code=code, defaults={"name_en": en, "name_zh": zh, "works_in_portal": portal}
            )[0]
            for code, en, zh, portal in SI_COMPANIES
        }
        self._people(groups, cities, teams, companies)
        # Each app's demo data, in the order they build on each other.
        for seeder in registry.seeders(configuration_only=configuration_only):
            seeder.seed()

    def _cities(self) -> dict[str, City]:
        return {
            code: City.objects.update_or_create(
                code=code, defaults={"name_en": en, "name_zh": zh, "sort_order": order}
            )[0]
            for order, (code, en, zh) in enumerate(CITIES)
        }

    def _teams(self, cities) -> dict[tuple[str, str | None], Team]:
        wanted = [(kind, code) for code in DEMO_CITIES for kind in CITY_TEAM_KINDS]
        wanted += [(kind, None) for kind in PROVINCIAL_TEAM_KINDS]
        teams = {}
        for kind, city_code in wanted:
            city = cities[city_code] if city_code else None
            suffix_en = f" ({city.name_en})" if city else " (province)"
            suffix_zh = f"（{city.name_zh}）" if city else "（省公司）"
            teams[(kind, city_code)] = Team.objects.update_or_create(
                code=demo_team_code(kind, city_code),
                defaults={
                    "kind": kind,
                    "city": city,
                    "name_en": TEAM_NAMES_EN[kind] + suffix_en,
                    "name_zh": TEAM_NAMES_ZH[kind] + suffix_zh,
                },
            )[0]
        return teams

    def _people(self, groups, cities, teams, companies) -> None:
        for username, first, last, role, city_code, team_kinds, company in PEOPLE:
            user, created = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "city": cities.get(city_code),
                    "si_company": companies.get(company),
                    "is_staff": role == Role.ADMINISTRATOR,
                    "is_superuser": role == Role.ADMINISTRATOR,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            user.groups.set([groups[role.value]])
            # A city's own team where there is one, else the provincial team of that kind.
            own = [teams.get((kind, city_code)) or teams[(kind, None)] for kind in team_kinds]
            user.teams.set(own)
            Team.objects.filter(pk__in=[t.pk for t in own], lead__isnull=True).update(lead=user)
