"""Integration tests: the sandbox and slapd fixtures (tests/sandbox/fixtures.py) for every test here."""
from tests.sandbox.fixtures import *  # noqa: F401,F403  (slapd, slapd_ad, sandbox, sandbox_clean)
from tests.integration.promises import *  # noqa: F401,F403,E402  (the `promise` fixture and the summary line)
