"""pytest plugin for this module's suite under pytest-odoo on Odoo 18.0 (loaded by pytest.ini).

What Odoo's own runner does and pytest-odoo 2.3 does not, on 18.0:

- `odoo.modules.module.current_test`: Odoo's runner points it at the running test. Odoo 18 reads
  it to skip the SMTP connection and the sending of mails in tests (`ir.mail_server`,
  `mail.mail`), to keep `account.move.send` synchronous, and to check that an HttpCase request
  belongs to the test that opened it. pytest-odoo sets it on Odoo 19 only.
- Odoo's HTTP server reads every module's manifest on its first request (`http.root.statics`).
  Under pytest that first request comes in a server thread while the test thread may be parsing
  too, and CPython 3.11's `ast` is not thread-safe there ("SystemError: AST constructor recursion
  depth mismatch", seen once on this suite): the manifests are read once, before the tests.
"""
import pytest


@pytest.fixture(scope="session", autouse=True)
def odoo_statics_read_once(load_registry, load_http):
    """After pytest-odoo's fixtures: the registry is loaded (addons path set), the server started."""
    import odoo.http

    odoo.http.root.statics  # noqa: B018 - a lazy property: read it now, in one thread


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    from odoo.modules import module
    from odoo.tests.common import BaseCase

    instance = getattr(item, "instance", None)
    if isinstance(instance, BaseCase):
        module.current_test = instance


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    from odoo.modules import module

    module.current_test = False
