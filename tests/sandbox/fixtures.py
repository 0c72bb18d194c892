"""pytest fixtures for the test world (docs/dev/layout.md). In a conftest.py:

    from tests.sandbox.fixtures import *  # noqa: F401,F403
"""

import pytest

from tests.sandbox.ldap import Slapd
from tests.sandbox.ldap.samba_ad import SambaAD
from tests.sandbox.rocketchat.launcher import SandboxClient, SandboxProcess, environment

__all__ = ["slapd", "slapd_ad", "samba_ad", "sandbox", "sandbox_clean"]


@pytest.fixture(scope="session")
def slapd():
    """A real slapd with the openldap sample directory, for the whole session."""
    with Slapd(flavour="openldap") as directory:
        yield directory


@pytest.fixture(scope="session")
def slapd_ad():
    """A real slapd with the Active-Directory-like sample directory."""
    with Slapd(flavour="ad") as directory:
        yield directory


@pytest.fixture(scope="session")
def samba_ad():
    """A real Active Directory (Samba AD DC) with the sample company of samba_data.py, for the
    whole session: a copy of the cached template on its own 127.0.0.x (about a second; the first
    run on a machine builds the template, about 5 s)."""
    with SambaAD("samba-ad") as directory:
        yield directory


@pytest.fixture(scope="session")
def sandbox(slapd, tmp_path_factory):
    """A sandbox process (8.8.1, licensed, 2FA on with the password fallback as on a production server,
    rate limiter off)."""
    process = SandboxProcess(tmp_path_factory.mktemp("rocketchat"))
    process.start()
    try:
        yield SandboxClient(environment(process.info, slapd.info))
    finally:
        process.stop()


@pytest.fixture
def sandbox_clean(sandbox):
    """The session sandbox, reset before the test: fresh data and its start-up options again."""
    sandbox.reset(startup=True)
    return sandbox
