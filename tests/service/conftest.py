"""Service tests reuse the console's loopback SMTP server fixtures."""

from tests.console.conftest import smtp_app, smtp_server  # noqa: F401 - fixtures
