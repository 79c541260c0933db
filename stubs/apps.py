from django.apps import AppConfig


class StubsConfig(AppConfig):
    name = "stubs"
    verbose_name = "EOMS, SI and message gateway stubs"
