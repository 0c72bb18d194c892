"""Shared pieces of the sandbox's contract tests.

Every expectation in tests/contract/ comes from ../shared/rocketchat/REST-CONTRACT.md (section numbers
are given as "§x.y" in the tests), not from the sandbox's code: the suite is an independent reading of
the contract. Tests call the sandbox with `requests`; this file only provides the fixtures and a few
helpers for headers, logins and setting up LDAP through the API.
"""

import base64
import hashlib
import hmac
import json
import socket
import struct
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.sandbox.fixtures import *  # noqa: F401,F403  (sandbox, sandbox_clean, slapd, slapd_ad)

SETTINGS_DATA = Path(__file__).resolve().parents[1] / "data" / "ldap-settings.json"

# §1.3: the 401 body of an authRequired route (8.x).
NOT_LOGGED_IN = {
    "success": False,
    "error": "You must be logged in to do this.",
    "status": "error",
    "message": "You must be logged in to do this.",
}
# §1.3: missing permission (8.x).
UNAUTHORIZED_403 = {
    "success": False,
    "error": "User does not have the permissions required for this action [error-unauthorized]",
}
# §1.3: route licence check.
NOT_LICENSED = {
    "success": False,
    "error": "This is an enterprise feature [error-action-not-allowed]",
    "errorType": "error-action-not-allowed",
}
# §2.1: wrong password / unknown user.
LOGIN_UNAUTHORIZED = {"success": False, "status": "error", "error": "Unauthorized", "message": "Unauthorized"}


def ldap_settings_data():
    """The contract's catalogue of the 82 LDAP settings (project copy of ldap-settings.json)."""
    return json.loads(SETTINGS_DATA.read_text())


def auth(user_id, token):
    """§1.1: both headers are needed."""
    return {"X-User-Id": user_id, "X-Auth-Token": token}


def sha256_hex(text):
    """§3.2: the code of the `password` 2FA method."""
    return hashlib.sha256(text.encode()).hexdigest()


def password_2fa(password):
    """§3.2: 2FA headers for the password fallback."""
    return {"x-2fa-method": "password", "x-2fa-code": sha256_hex(password)}


def totp_code(secret, at=None):
    """RFC 6238 code (30 s step, 6 digits, SHA-1) for a base32 secret."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1000000:06d}"


def free_port():
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ejson_frame(method, params, call_id="1"):
    """§5.5: the body of `POST /api/v1/method.call/<method>`."""
    return {"message": json.dumps({"msg": "method", "id": call_id, "method": method, "params": params})}


class Contract:
    """Addresses, credentials and small API helpers for one test (state already reset)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.env = sandbox.env
        self.url = sandbox.url.rstrip("/")
        self.admin_id = self.env["admin_user_id"]
        # The admin's personal access token with bypassTwoFactor (created at start, survives reset).
        self.admin = auth(self.admin_id, self.env["admin_token"])

    def api(self, route):
        return f"{self.url}/api/v1/{route}"

    def config(self, **options):
        self.sandbox.config(**options)

    def require_2fa(self, mode):
        """Turn 2FA on for the admin (`password` fallback or `totp`), without the §3.2 "remember"
        window (a freshly created user would otherwise pass for RememberFor seconds)."""
        self.set_setting("Accounts_TwoFactorAuthentication_RememberFor", 0)
        self.config(two_factor=mode)

    def login(self, username, password, **extra):
        """Log in with a password; returns the auth headers of the new login token."""
        reply = requests.post(self.api("login"), json={"user": username, "password": password, **extra}, timeout=10)
        assert reply.status_code == 200, reply.text
        data = reply.json()["data"]
        return auth(data["userId"], data["authToken"])

    def totp(self):
        """A current TOTP code of the admin (two_factor="totp"); the seed comes from the sandbox env."""
        secret = self.env.get("admin_totp_secret")
        assert secret, "the sandbox env must expose the admin's TOTP seed (admin_totp_secret)"
        return totp_code(secret)

    def admin_login_totp(self):
        return self.login(self.env["admin_username"], self.env["admin_password"], code=self.totp())

    def admin_login(self):
        """A plain login token of the admin (no 2FA bypass, unlike the PAT)."""
        return self.login(self.env["admin_username"], self.env["admin_password"])

    def user_login(self):
        """A login token of the built-in plain user (role `user`)."""
        return self.login(self.env["user_username"], self.env["user_password"])

    def get_setting(self, setting_id):
        """§5.2: the raw stored value (read with the admin PAT)."""
        reply = requests.get(self.api(f"settings/{setting_id}"), headers=self.admin, timeout=10)
        assert reply.status_code == 200, reply.text
        return reply.json()["value"]

    def set_setting(self, setting_id, value):
        """§5.3: single write with the admin PAT (stored as sent)."""
        reply = requests.post(self.api(f"settings/{setting_id}"), json={"value": value}, headers=self.admin, timeout=10)
        assert reply.status_code == 200, (setting_id, reply.text)

    def set_settings(self, values):
        for setting_id, value in values.items():
            self.set_setting(setting_id, value)

    def configure_ldap(self, directory=None, **overrides):
        """Point the sandbox at a slapd (default: the session's openldap one, whose details are in the
        sandbox env; or a Slapd.info dict) over plain LDAP with the service bind, LDAP enabled."""
        directory = directory or self.env
        ldap = urlsplit(directory["ldap_uri"])
        values = {
            "LDAP_Enable": True,
            "LDAP_Server_Type": "",
            "LDAP_Host": ldap.hostname,
            "LDAP_Port": ldap.port,
            "LDAP_Encryption": "plain",
            "LDAP_BaseDN": directory["ldap_base_dn"],
            "LDAP_Authentication": True,
            "LDAP_Authentication_UserDN": directory["ldap_bind_dn"],
            "LDAP_Authentication_Password": directory["ldap_bind_password"],
            "LDAP_User_Search_Field": "uid",
            "LDAP_Username_Field": "uid",
        }
        values.update(overrides)
        self.set_settings(values)

    def method_call(self, route, params, headers, call_id="1"):
        """§5.5/§5.6: `POST method.call/<route>` (`private-settings:get` names the method
        `private-settings/get` in the frame); returns (HTTP reply, decoded `message` frame or None)."""
        method = route.replace(":", "/")
        reply = requests.post(self.api(f"method.call/{route}"), json=ejson_frame(method, params, call_id),
                              headers=headers, timeout=10)
        message = reply.json().get("message")
        try:
            frame = json.loads(message)
        except (TypeError, ValueError):  # no frame, e.g. the 401 body's plain-text message
            frame = None
        return reply, frame

    def user_info(self, username):
        return requests.get(self.api("users.info"), params={"username": username}, headers=self.admin, timeout=10)

    def sandbox_log(self):
        reply = requests.get(f"{self.url}/_sandbox/requests", timeout=10)
        assert reply.status_code == 200, reply.text
        return reply.json()


@pytest.fixture
def rc(sandbox_clean):
    """The session's sandbox with fresh data and its start-up options (8.8.1, licensed, 2FA on with the
    password fallback as on a production server, rate limiter off); tests change options with `rc.config(...)`."""
    return Contract(sandbox_clean)


@pytest.fixture
def user_headers(rc):
    return rc.user_login()
