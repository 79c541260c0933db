import collections
import traceback


def run():
    from django.core.management import call_command
    from django.db import connection

    from bench import bench_e3 as b
    from customers.models import Customer
    from keyaccounts.core.models import User
    from orders.models import Product

    call_command("seed_demo", verbosity=0)
    m, a = User.objects.get(username="am_changchun"), User.objects.get(username="bo_changchun")
    c = Customer.objects.filter(account_manager=m, status="validated").first()
    p = Product.objects.get(code="vpmn")
    b._e3(m, a, c, p)
    stacks = collections.Counter()

    def wrapper(execute, sql, params, many, context):
        for key in (
            'FROM "orders_orderitem"',
            'FROM "provisioning_workorder"',
            'FROM "orders_order" ',
            'FROM "customers_customer"',
            'FROM "viewflow_task"',
            'FROM "sla_slapolicy"',
            'FROM "sla_businesscalendar"',
        ):
            if sql.startswith("SELECT") and key in sql.split(" WHERE")[0]:
                frames = [
                    f
                    for f in traceback.extract_stack()
                    if "site-packages" not in f.filename
                    and "python3.11" not in f.filename
                    and "/bench/" not in f.filename
                    and "frozen" not in f.filename
                ]
                stacks[(key, " < ".join(f"{f.filename[-30:]}:{f.lineno}:{f.name}" for f in reversed(frames[-4:])))] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        b._e3(m, a, c, p)
    for (k, s), n in sorted(stacks.items()):
        print(n, k, s)
    from keyaccounts.celery import app

    app.control.purge()
    return {}
