"""Demo catalogue: the nine products and the order elements each requires (an administrator edits them).
Idempotent: a product's fields are set again, an existing element definition is kept."""

from django.db import transaction

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
                "needs_survey": survey,
                "needs_solution": solution,
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
BANDWIDTHS = ["10M", "20M", "50M", "100M", "200M", "500M", "1G", "10G"]

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
    ("monthly_fee", M, "Monthly fee (CNY)", "月费（元）", T.DECIMAL, {"min_value": 0}),
    ("sla_grade", S, "SLA grade", "SLA 等级", T.CHOICE, {"choices": ["gold", "silver", "bronze"]}),
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
        ("bandwidth", R, "Bandwidth", "带宽", T.CHOICE, {"choices": ["100M", "200M", "500M", "1G"]}),
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
        ("monthly_volume", P, "Messages a month", "月发送量", T.INTEGER, {"min_value": 1}),
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
