"""Demo catalogue: the nine products and the order elements each requires (an administrator edits them).
Idempotent: a product's fields are set again, an existing element definition is kept."""

from django.db import transaction

from keyaccounts.core.models import SiCompany

from .models import ElementCategory, Product, ProductElement

PRODUCTS = [  # code, English, Chinese, bearer mode, route, list price (CNY/year), survey, solution
    ("vpmn", "VPMN (virtual private mobile network)", "VPMN集团虚拟网", "voice", "T1", "12000", False, False),
    ("mobile-switchboard", "Mobile switchboard", "移动总机", "voice", "T1", "6000", False, False),
    ("group-sms", "Group SMS (MAS/ADC)", "集团短信（MAS/ADC）", "sms", "T3", "24000", False, False),
    ("mobile-mailbox", "Mobile mailbox", "手机邮箱", "data", "T3", "3600", False, False),
    ("industry-ota", "Industry OTA", "行业OTA", "data", "T4", "80000", False, True),
    ("m2m-iot", "M2M / IoT solution", "M2M/物联网解决方案", "data", "T4", "150000", False, True),
    ("internet-line", "Internet dedicated line", "互联网专线", "access", "T2", "96000", True, False),
    ("data-line", "Data dedicated line / MPLS VPN", "数据专线/MPLS VPN", "access", "T2", "120000", True, False),
    ("enterprise-broadband", "Enterprise broadband", "企业宽带", "access", "T2", "9600", False, False),
]
# Who receives the work orders of the T3 and T4 products (the demo's SI companies, seeded with the people).
SI_COMPANY_OF = {
    "group-sms": "sms-platform",
    "mobile-mailbox": "mail-platform",
    "industry-ota": "jl-smart",
    "m2m-iot": "ne-iot",
}

# What a unit costs the operator a year (CNY): a discount approval shows the margin left.
UNIT_COSTS = {
    "vpmn": "7200",
    "mobile-switchboard": "3000",
    "group-sms": "14400",
    "mobile-mailbox": "1800",
    "industry-ota": "52000",
    "m2m-iot": "105000",
    "internet-line": "62400",
    "data-line": "84000",
    "enterprise-broadband": "5800",
}

# The quantities an order or a quote may carry: a handful of platforms and solutions, tens of lines and sites,
# thousands of members and mailboxes.
QUANTITY_BOUNDS = {
    "vpmn": (1, 10000),
    "mobile-switchboard": (1, 50),
    "group-sms": (1, 5),
    "mobile-mailbox": (1, 5000),
    "industry-ota": (1, 100),
    "m2m-iot": (1, 100),
    "internet-line": (1, 50),
    "data-line": (1, 50),
    "enterprise-broadband": (1, 200),
}


@transaction.atomic
def seed_demo_products() -> None:
    companies = SiCompany.objects.in_bulk(SI_COMPANY_OF.values(), field_name="code")
    for code, en, zh, bearer, route, price, survey, solution in PRODUCTS:
        least, most = QUANTITY_BOUNDS[code]
        Product.objects.update_or_create(
            code=code,
            defaults={
                "name_en": en,
                "name_zh": zh,
                "bearer_mode": bearer,
                "route": route,
                "list_price": price,
                "unit_cost": UNIT_COSTS[code],
                "needs_survey": survey,
                "needs_solution": solution,
                "si_company": companies.get(SI_COMPANY_OF.get(code, "")),
                "min_quantity": least,
                "max_quantity": most,
            },
        )


C, P, R, M, S = (
    ElementCategory.CUSTOMER,
    ElementCategory.PRODUCT,
    ElementCategory.RESOURCE,
    ElementCategory.COMMERCIAL,
    ElementCategory.SERVICE_LEVEL,
)
T = ProductElement.Type


def _bandwidths(*values: str) -> list[dict]:
    """Bandwidth choices with their names: 10M is 10 Mbps, 1G is 1 Gbps."""
    names = [value.replace("M", " Mbps").replace("G", " Gbps") for value in values]
    return [{"value": value, "en": name, "zh": name} for value, name in zip(values, names, strict=True)]


BANDWIDTHS = _bandwidths("10M", "20M", "50M", "100M", "200M", "500M", "1G", "10G")
SLA_GRADES = [
    {"value": "gold", "en": "Gold", "zh": "金牌"},
    {"value": "silver", "en": "Silver", "zh": "银牌"},
    {"value": "bronze", "en": "Bronze", "zh": "铜牌"},
]

# code, category, English, Chinese, type, extra options
COMMON = [
    ("contact_name", C, "Site contact", "现场联系人", T.TEXT, {}),
    ("contact_phone", C, "Site contact phone", "现场联系电话", T.PHONE, {}),
    (
        "contract_no",
        M,
        "Contract number",
        "合同编号",
        T.TEXT,
        {"pattern": r"^[A-Z]{2}\d{8,12}$", "help_text": "e.g. JL2026112301"},
    ),
    ("monthly_fee", M, "Monthly fee", "月费", T.DECIMAL, {"min_value": 0, "unit_en": "CNY/month", "unit_zh": "元/月"}),
    ("sla_grade", S, "SLA grade", "SLA 等级", T.CHOICE, {"choices": SLA_GRADES}),
]
SPECIFIC = {
    "internet-line": [
        ("install_address", R, "Installation address", "装机地址", T.TEXT, {}),
        ("bandwidth", R, "Bandwidth", "带宽", T.CHOICE, {"choices": BANDWIDTHS}),
        ("ip_count", R, "Public IPv4 addresses", "公网 IPv4 地址数", T.INTEGER, {"min_value": 1, "max_value": 256}),
    ],
    "data-line": [
        ("a_end_address", R, "A-end address", "A 端地址", T.TEXT, {}),
        ("z_end_address", R, "Z-end address", "Z 端地址", T.TEXT, {}),
        ("bandwidth", R, "Bandwidth", "带宽", T.CHOICE, {"choices": BANDWIDTHS}),
        ("gateway_ip", R, "Customer gateway IP", "客户网关 IP", T.IPV4, {"required": False}),
    ],
    "enterprise-broadband": [
        ("install_address", R, "Installation address", "装机地址", T.TEXT, {}),
        ("bandwidth", R, "Bandwidth", "带宽", T.CHOICE, {"choices": _bandwidths("100M", "200M", "500M", "1G")}),
    ],
    "vpmn": [
        ("member_count", P, "Members", "成员数", T.INTEGER, {"min_value": 2, "max_value": 10000}),
        ("package", P, "Package", "套餐", T.CHOICE, {"choices": ["VPMN-38", "VPMN-58", "VPMN-88"]}),
    ],
    "mobile-switchboard": [
        ("main_number", R, "Main number", "总机号码", T.PHONE, {}),
        ("extensions", P, "Extensions", "分机数", T.INTEGER, {"min_value": 1, "max_value": 999}),
    ],
    "group-sms": [
        (
            "signature",
            P,
            "SMS signature",
            "短信签名",
            T.TEXT,
            {"pattern": r"^【.{2,8}】$", "help_text": "e.g. 【一汽物流】"},
        ),
        (
            "monthly_volume",
            P,
            "SMS volume",
            "短信量",
            T.INTEGER,
            {"min_value": 1, "unit_en": "messages/month", "unit_zh": "条/月"},
        ),
    ],
    "mobile-mailbox": [
        ("mailbox_count", P, "Mailboxes", "邮箱数", T.INTEGER, {"min_value": 1}),
        ("domain", R, "Mail domain", "邮件域名", T.TEXT, {"pattern": r"^[a-z0-9.-]+\.[a-z]{2,}$"}),
    ],
    "industry-ota": [
        ("terminal_count", P, "Terminals", "终端数", T.INTEGER, {"min_value": 1}),
        ("acceptance_criteria", S, "Acceptance criteria", "验收标准", T.TEXT, {}),
    ],
    "m2m-iot": [
        ("sim_count", P, "SIM cards", "物联网卡数", T.INTEGER, {"min_value": 1}),
        ("apn", R, "APN", "APN", T.TEXT, {"pattern": r"^[a-z0-9.]+$"}),
        ("acceptance_criteria", S, "Acceptance criteria", "验收标准", T.TEXT, {}),
    ],
}


@transaction.atomic
def seed_demo_elements() -> None:
    for product in Product.objects.filter(code__in=SPECIFIC):
        if product.elements.exists():
            continue  # an administrator's definition is never overwritten
        for order, (code, category, en, zh, kind, extra) in enumerate(COMMON + SPECIFIC[product.code]):
            element = ProductElement(
                product=product,
                code=code,
                category=category,
                label_en=en,
                label_zh=zh,
                type=kind,
                sort_order=order,
                **extra,
            )
            element.full_clean()
            element.save()
