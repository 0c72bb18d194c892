"""§2 session endpoints, §3 two-factor at login, §4.1 /api/info, §2.4 personal access tokens."""

import pytest
import requests

from tests.contract.conftest import LOGIN_UNAUTHORIZED, NOT_LOGGED_IN, auth, password_2fa, sha256_hex


def admin_email(rc):
    me = requests.get(rc.api("me"), headers=rc.admin, timeout=10).json()
    return me["emails"][0]["address"]


def login_bodies(rc):
    """§2.1: every accepted body form for the admin."""
    name, password, email = rc.env["admin_username"], rc.env["admin_password"], admin_email(rc)
    return {
        "user": {"user": name, "password": password},
        "username": {"username": name, "password": password},
        "email": {"email": email, "password": password},
        "user-with-at-is-email": {"user": email, "password": password},
        "digest": {"user": name, "password": {"digest": sha256_hex(password), "algorithm": "sha-256"}},
        "wrapped-username": {"user": {"username": name}, "password": password},
        "wrapped-email": {"user": {"email": email}, "password": password},
    }


@pytest.mark.parametrize("form", ["user", "username", "email", "user-with-at-is-email", "digest",
                                  "wrapped-username", "wrapped-email"])
def test_login_accepts_every_body_form(rc, form):
    reply = requests.post(rc.api("login"), json=login_bodies(rc)[form], timeout=10)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "success"
    assert body["success"] is True
    data = body["data"]
    assert data["userId"] == rc.admin_id
    assert isinstance(data["authToken"], str) and data["authToken"]
    me = data["me"]
    assert me["_id"] == rc.admin_id
    assert me["username"] == rc.env["admin_username"]
    assert "admin" in me["roles"]
    assert me["active"] is True
    assert isinstance(me["emails"], list) and me["emails"][0]["address"]
    assert "services" not in me
    assert isinstance(me["settings"]["preferences"], dict)
    assert "status" in me
    # The new token works with the user id (§1.1).
    assert requests.get(rc.api("me"), headers=auth(data["userId"], data["authToken"]), timeout=10).status_code == 200


def test_login_with_resume_token(rc):
    headers = rc.admin_login()
    reply = requests.post(rc.api("login"), json={"resume": headers["X-Auth-Token"]}, timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.json()["data"]["userId"] == rc.admin_id


@pytest.mark.parametrize("case", ["wrong-password", "unknown-user", "unknown-username"])
def test_login_failure_is_401_unauthorized(rc, case):
    body = {
        "wrong-password": {"user": rc.env["admin_username"], "password": "wrong-password"},
        "unknown-user": {"user": "nobody-at-all", "password": "x"},
        "unknown-username": {"username": "nobody-at-all", "password": "x"},
    }[case]
    reply = requests.post(rc.api("login"), json=body, timeout=10)
    assert reply.status_code == 401
    assert reply.json() == LOGIN_UNAUTHORIZED


def test_plain_user_login(rc):
    reply = requests.post(rc.api("login"), json={"user": rc.env["user_username"],
                                                 "password": rc.env["user_password"]}, timeout=10)
    assert reply.status_code == 200, reply.text
    me = reply.json()["data"]["me"]
    assert me["username"] == rc.env["user_username"]
    assert "admin" not in me["roles"]
    assert "user" in me["roles"]


class TestTwoFactorLogin:
    """§2.1 and §3: a user with TOTP needs a code at login."""

    def test_login_without_code_is_totp_required(self, rc):
        rc.require_2fa("totp")
        reply = requests.post(rc.api("login"), json={"user": rc.env["admin_username"],
                                                     "password": rc.env["admin_password"]}, timeout=10)
        assert reply.status_code == 401
        body = reply.json()
        assert body["success"] is False
        assert body["status"] == "error"
        assert body["error"] == "totp-required"
        assert body["message"] == "TOTP Required"
        assert body["details"]["method"] == "totp"

    def test_login_with_code_in_body(self, rc):
        rc.require_2fa("totp")
        reply = requests.post(rc.api("login"), json={"user": rc.env["admin_username"], "password": rc.env["admin_password"],
                                                     "code": rc.totp()}, timeout=10)
        assert reply.status_code == 200, reply.text
        assert reply.json()["data"]["userId"] == rc.admin_id

    def test_login_with_code_in_header(self, rc):
        rc.require_2fa("totp")
        reply = requests.post(rc.api("login"), json={"user": rc.env["admin_username"], "password": rc.env["admin_password"]},
                              headers={"X-2fa-Code": rc.totp()}, timeout=10)
        assert reply.status_code == 200, reply.text

    def test_login_with_wrong_code_is_totp_invalid(self, rc):
        rc.require_2fa("totp")
        code = rc.totp()
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        reply = requests.post(rc.api("login"), json={"user": rc.env["admin_username"], "password": rc.env["admin_password"],
                                                     "code": wrong}, timeout=10)
        assert reply.status_code == 401
        body = reply.json()
        assert body["success"] is False
        assert body["error"] == "totp-invalid"
        assert body["status"] == "error"

    def test_wrong_password_with_totp_is_still_unauthorized(self, rc):
        rc.require_2fa("totp")
        reply = requests.post(rc.api("login"), json={"user": rc.env["admin_username"], "password": "not-it",
                                                     "code": rc.totp()}, timeout=10)
        assert reply.status_code == 401
        assert reply.json() == LOGIN_UNAUTHORIZED


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_logout_removes_the_calling_token(rc, method):
    headers = rc.admin_login()
    reply = requests.request(method, rc.api("logout"), headers=headers, timeout=10)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "success"
    assert body["data"]["message"] == "You've been logged out!"
    after = requests.get(rc.api("me"), headers=headers, timeout=10)
    assert after.status_code == 401
    assert after.json() == NOT_LOGGED_IN
    # Other tokens of the same user stay valid.
    assert requests.get(rc.api("me"), headers=rc.admin, timeout=10).status_code == 200


def test_logout_needs_authentication(rc):
    reply = requests.post(rc.api("logout"), timeout=10)
    assert reply.status_code == 401
    assert reply.json() == NOT_LOGGED_IN


def test_me_returns_the_caller_without_password_hash(rc, user_headers):
    reply = requests.get(rc.api("me"), headers=user_headers, timeout=10)
    assert reply.status_code == 200
    body = reply.json()
    assert body["success"] is True
    assert body["_id"] == user_headers["X-User-Id"]
    assert body["username"] == rc.env["user_username"]
    assert body["active"] is True
    assert "user" in body["roles"]
    assert isinstance(body["emails"], list)
    assert set(body) >= {"_id", "username", "name", "emails", "status", "active", "roles", "settings"}
    assert isinstance(body["settings"]["preferences"], dict)
    assert "bcrypt" not in reply.text
    assert "password" not in body.get("services", {})


class TestServerInfo:
    """§4.1 GET /api/info."""

    def assert_anonymous_shape(self, body, version):
        assert body["success"] is True
        assert body["version"] == ".".join(version.split(".")[:2])
        assert isinstance(body["minimumClientVersions"], dict)
        assert "info" not in body

    def test_anonymous(self, rc):
        reply = requests.get(f"{rc.url}/api/info", timeout=10)
        assert reply.status_code == 200
        self.assert_anonymous_shape(reply.json(), "8.8.1")

    def test_plain_user_sees_the_anonymous_shape(self, rc, user_headers):
        reply = requests.get(f"{rc.url}/api/info", headers=user_headers, timeout=10)
        assert reply.status_code == 200
        self.assert_anonymous_shape(reply.json(), "8.8.1")

    def test_admin_sees_full_version_and_build(self, rc):
        reply = requests.get(f"{rc.url}/api/info", headers=rc.admin, timeout=10)
        assert reply.status_code == 200
        body = reply.json()
        assert body["success"] is True
        assert body["version"] == "8.8.1"
        assert body["info"]["version"] == "8.8.1"
        assert set(body["info"]["build"]) >= {"date", "nodeVersion", "arch", "platform", "osRelease",
                                              "totalMemory", "freeMemory", "cpus"}
        assert set(body["info"]["commit"]) >= {"hash", "date", "author", "subject", "tag", "branch"}
        assert isinstance(body["minimumClientVersions"], dict)

    @pytest.mark.parametrize("version", ["7.10.2", "8.5.0", "9.0.0"])
    def test_version_switch_is_reported(self, rc, version):
        rc.config(version=version)
        anonymous = requests.get(f"{rc.url}/api/info", timeout=10)
        self.assert_anonymous_shape(anonymous.json(), version)
        admin = requests.get(f"{rc.url}/api/info", headers=rc.admin, timeout=10).json()
        assert admin["version"] == version
        assert admin["info"]["version"] == version


class TestPersonalAccessTokens:
    """§2.4 and §3.2 step 4: PATs, and bypassTwoFactor."""

    def generate(self, rc, headers, name, bypass):
        return requests.post(rc.api("users.generatePersonalAccessToken"),
                             json={"tokenName": name, "bypassTwoFactor": bypass}, headers=headers, timeout=10)

    def test_generate_and_use(self, rc):
        # Production default (2FA with the password fallback): generating a PAT with a login token is
        # challenged, and the password answers it.
        headers = {**rc.admin_login(), **password_2fa(rc.env["admin_password"])}
        reply = self.generate(rc, headers, "contract", True)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["success"] is True
        assert set(body) == {"token", "success"}
        pat = auth(rc.admin_id, body["token"])
        me = requests.get(rc.api("me"), headers=pat, timeout=10)
        assert me.status_code == 200
        assert me.json()["_id"] == rc.admin_id

    def test_generate_is_challenged_by_2fa(self, rc):
        rc.require_2fa("password")
        headers = rc.admin_login()
        reply = self.generate(rc, headers, "contract", True)
        assert reply.status_code == 400
        assert reply.json()["errorType"] == "totp-required"
        reply = self.generate(rc, {**headers, **password_2fa(rc.env["admin_password"])}, "contract", True)
        assert reply.status_code == 200, reply.text

    @pytest.mark.parametrize("bypass", [True, False])
    def test_bypass_flag_decides_2fa_on_setting_write(self, rc, bypass):
        rc.require_2fa("password")
        headers = rc.admin_login()
        token = self.generate(rc, {**headers, **password_2fa(rc.env["admin_password"])}, f"pat-{bypass}", bypass)
        assert token.status_code == 200, token.text
        pat = auth(rc.admin_id, token.json()["token"])
        reply = requests.post(rc.api("settings/LDAP_Host"), json={"value": "pat.example.org"}, headers=pat, timeout=10)
        if bypass:
            assert reply.status_code == 200, reply.text
            assert reply.json() == {"success": True}
            assert rc.get_setting("LDAP_Host") == "pat.example.org"
        else:
            assert reply.status_code == 400
            assert reply.json()["errorType"] == "totp-required"
            assert rc.get_setting("LDAP_Host") == ""

    def test_plain_user_may_create_a_pat(self, rc, user_headers):
        # create-personal-access-tokens belongs to admin and user (§6). On the production default the
        # plain user's login token is challenged (2FA password fallback); the password answers it.
        reply = self.generate(rc, {**user_headers, **password_2fa(rc.env["user_password"])}, "mine", False)
        assert reply.status_code == 200, reply.text
        assert reply.json()["success"] is True
