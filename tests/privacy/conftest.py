"""Privacy tests share the console's real SMTP server fixtures."""

from console.conftest import smtp_app, smtp_server  # noqa: F401 - fixtures
