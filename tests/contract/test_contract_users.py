"""§7 roles.list, users.info, users.list; §4.2 licenses.info."""

import pytest
import requests

from tests.contract.conftest import NOT_LOGGED_IN


class TestRolesList:
    def test_builtin_roles(self, rc):
        reply = requests.get(rc.api("roles.list"), headers=rc.admin, timeout=10)
        assert reply.status_code == 200
        body = reply.json()
        assert body["success"] is True
        roles = {role["_id"]: role for role in body["roles"]}
        for name in ("admin", "user", "bot", "guest", "moderator", "owner", "leader"):
            assert roles[name]["name"] == name  # built-in role ids equal their names
        admin = roles["admin"]
        assert admin["protected"] is True
        assert admin["scope"] == "Users"
        assert admin["mandatory2fa"] is False
        assert isinstance(admin["description"], str)

    def test_needs_login(self, rc):
        reply = requests.get(rc.api("roles.list"), timeout=10)
        assert reply.status_code == 401
        assert reply.json() == NOT_LOGGED_IN


class TestUsersInfo:
    def test_by_username_and_by_id(self, rc):
        by_name = requests.get(rc.api("users.info"), params={"username": rc.env["admin_username"]}, headers=rc.admin,
                               timeout=10)
        assert by_name.status_code == 200
        body = by_name.json()
        assert body["success"] is True
        user = body["user"]
        assert user["_id"] == rc.admin_id
        assert user["username"] == rc.env["admin_username"]
        assert "admin" in user["roles"]
        assert user["active"] is True
        assert user["type"] == "user"
        assert isinstance(user["emails"], list)
        by_id = requests.get(rc.api("users.info"), params={"userId": rc.admin_id}, headers=rc.admin, timeout=10)
        assert by_id.json()["user"]["username"] == rc.env["admin_username"]

    def test_plain_user(self, rc):
        user = rc.user_info(rc.env["user_username"]).json()["user"]
        assert user["roles"] == ["user"]
        assert not user.get("ldap", False)

    def test_bot(self, rc):
        user = rc.user_info("rocket.cat").json()["user"]
        assert "bot" in user["roles"]

    def test_unknown(self, rc):
        reply = rc.user_info("nobody-at-all")
        assert reply.status_code == 400
        assert reply.json() == {"success": False, "error": "User not found."}

    def test_missing_parameter(self, rc):
        reply = requests.get(rc.api("users.info"), headers=rc.admin, timeout=10)
        assert reply.status_code == 400
        assert reply.json()["success"] is False
        assert reply.json()["errorType"] == "error-invalid-params"


class TestUsersList:
    def list(self, rc, **params):
        reply = requests.get(rc.api("users.list"), params=params, headers=rc.admin, timeout=10)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def test_shape(self, rc):
        body = self.list(rc)
        assert body["success"] is True
        assert body["offset"] == 0
        assert body["total"] >= 3
        assert body["count"] == len(body["users"]) == body["total"]
        names = {user["username"] for user in body["users"]}
        assert {rc.env["admin_username"], rc.env["user_username"], "rocket.cat"} <= names

    def test_paging(self, rc):
        full = [user["_id"] for user in self.list(rc, count=0)["users"]]
        page = self.list(rc, count=1, offset=1)
        assert page["count"] == 1
        assert page["offset"] == 1
        assert page["total"] == len(full)
        assert [user["_id"] for user in page["users"]] == full[1:2]

    def test_needs_login(self, rc):
        reply = requests.get(rc.api("users.list"), timeout=10)
        assert reply.status_code == 401

    def test_answers_follow_every_change_of_a_user(self, rc):
        """A login, a deactivation and a reset show in the next listing (the sandbox keeps its sorted
        listing between pages until a user changes)."""
        def plain_user():
            return next(u for u in self.list(rc, count=0)["users"] if u["username"] == rc.env["user_username"])

        assert "lastLogin" not in plain_user()
        rc.user_login()
        assert "lastLogin" in plain_user()
        reply = requests.post(f"{rc.url}/_sandbox/users/{rc.env['user_username']}", json={"active": False}, timeout=10)
        assert reply.status_code == 200, reply.text
        assert plain_user()["active"] is False
        rc.sandbox.reset()
        assert plain_user()["active"] is True and "lastLogin" not in plain_user()


class TestLicensesInfo:
    """§4.2: enterprise LDAP is active iff activeModules contains ldap-enterprise."""

    def info(self, rc, headers=None):
        reply = requests.get(rc.api("licenses.info"), headers=headers or rc.admin, timeout=10)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["success"] is True
        return body["license"]

    def assert_common_shape(self, license_info):
        assert set(license_info) >= {"activeModules", "externalModules", "preventedActions", "limits", "tags",
                                     "trial", "hasValidLicense"}
        assert isinstance(license_info["activeModules"], list)
        assert isinstance(license_info["preventedActions"], dict)

    def test_licensed(self, rc):
        info = self.info(rc)
        self.assert_common_shape(info)
        assert info["hasValidLicense"] is True
        assert "ldap-enterprise" in info["activeModules"]
        assert {"module": "ldap-enterprise"} in info["license"]["grantedModules"]

    def test_unlicensed(self, rc):
        rc.config(license="none")
        info = self.info(rc)
        self.assert_common_shape(info)
        assert info["hasValidLicense"] is False
        assert info["activeModules"] == []

    def test_plain_user_sees_no_decoded_licence(self, rc, user_headers):
        info = self.info(rc, user_headers)
        self.assert_common_shape(info)
        assert "license" not in info
        assert "ldap-enterprise" in info["activeModules"]

    def test_needs_login(self, rc):
        reply = requests.get(rc.api("licenses.info"), timeout=10)
        assert reply.status_code == 401
        assert reply.json() == NOT_LOGGED_IN

    @pytest.mark.parametrize("license_option,registered", [("ldap-enterprise", True), ("none", False)])
    def test_licence_decides_enterprise_registration(self, rc, license_option, registered):
        rc.config(license=license_option)
        rc.sandbox.reset()
        reply = requests.get(rc.api("settings/LDAP_Background_Sync"), headers=rc.admin, timeout=10)
        if registered:
            assert reply.json() == {"_id": "LDAP_Background_Sync", "value": False, "success": True}
        else:
            assert reply.status_code == 400
            assert reply.json() == {"success": False}
        # Community settings are there either way.
        assert rc.get_setting("LDAP_Host") == ""
