"""§6.1 ldap.testConnection, §6.2 ldap.testSearch, §6.3/§6.4 ldap.syncNow, §2.1 LDAP login, against the
session's real slapd (openldap flavour: tests/sandbox/ldap/data/openldap.ldif, passwords "<uid>-pass")."""

import base64

import pytest
import requests

from tests.contract.conftest import LOGIN_UNAUTHORIZED, NOT_LICENSED, UNAUTHORIZED_403, free_port, password_2fa

GROUPS_DN = "ou=groups,{base}"


def post_test_connection(rc, headers=None):
    return requests.post(rc.api("ldap.testConnection"), headers=headers or rc.admin, timeout=30)


def post_test_search(rc, username, headers=None):
    return requests.post(rc.api("ldap.testSearch"), json={"username": username}, headers=headers or rc.admin,
                         timeout=30)


def sync_now(rc, headers=None):
    return requests.post(rc.api("ldap.syncNow"), headers=headers or rc.admin, timeout=60)


def users_total(rc):
    reply = requests.get(rc.api("users.list"), params={"count": 1}, headers=rc.admin, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()["total"]


LDAP_DISABLED = {"success": False, "error": "LDAP_disabled"}
CONNECTION_OK = {"message": "LDAP_Connection_successful", "success": True}
CONNECTION_FAILED = {"success": False, "error": "Connection_failed"}
USER_FOUND = {"message": "LDAP_User_Found", "success": True}
SEARCH_FAILED = {"success": False, "error": "LDAP_search_failed"}
SYNC_STARTED = {"message": "Sync_in_progress", "success": True}


class TestTestConnection:
    def test_disabled(self, rc):
        reply = post_test_connection(rc)
        assert reply.status_code == 400
        assert reply.json() == LDAP_DISABLED

    def test_success(self, rc):
        rc.configure_ldap()
        reply = post_test_connection(rc)
        assert reply.status_code == 200, reply.text
        assert reply.json() == CONNECTION_OK

    def test_anonymous_bind_success(self, rc):
        rc.configure_ldap(LDAP_Authentication=False)
        reply = post_test_connection(rc)
        assert reply.status_code == 200, reply.text
        assert reply.json() == CONNECTION_OK

    def test_nothing_listening(self, rc):
        rc.configure_ldap(LDAP_Host="127.0.0.1", LDAP_Port=free_port())
        reply = post_test_connection(rc)
        assert reply.status_code == 400
        assert reply.json() == CONNECTION_FAILED

    def test_8x_wrong_bind_password_still_succeeds(self, rc):
        rc.configure_ldap(LDAP_Authentication_Password="not-the-password")
        reply = post_test_connection(rc)
        assert reply.status_code == 200, reply.text
        assert reply.json() == CONNECTION_OK

    def test_9_0_wrong_bind_password_fails(self, rc):
        rc.config(version="9.0.0")
        rc.configure_ldap(LDAP_Authentication_Password="not-the-password")
        reply = post_test_connection(rc)
        assert reply.status_code == 400
        assert reply.json()["success"] is False

    def test_starttls_with_ca(self, rc):
        rc.configure_ldap(LDAP_Encryption="tls", LDAP_CA_Cert=rc.env["ca_cert_pem"], LDAP_Reject_Unauthorized=True)
        reply = post_test_connection(rc)
        assert reply.status_code == 200, reply.text
        assert reply.json() == CONNECTION_OK

    def test_ldaps_with_ca(self, rc):
        rc.configure_ldap(LDAP_Encryption="ssl", LDAP_Port=int(rc.env["tls_port"]), LDAP_CA_Cert=rc.env["ca_cert_pem"],
                          LDAP_Reject_Unauthorized=True)
        reply = post_test_connection(rc)
        assert reply.status_code == 200, reply.text
        assert reply.json() == CONNECTION_OK

    @pytest.mark.parametrize("encryption", ["ssl", "tls"])
    def test_wrong_ca_fails(self, rc, encryption):
        with open(rc.env["wrong_ca_cert_path"]) as wrong_ca:
            pem = wrong_ca.read()
        port = int(rc.env["tls_port"] if encryption == "ssl" else rc.env["port"])
        rc.configure_ldap(LDAP_Encryption=encryption, LDAP_Port=port, LDAP_CA_Cert=pem, LDAP_Reject_Unauthorized=True)
        reply = post_test_connection(rc)
        assert reply.status_code == 400
        assert reply.json() == CONNECTION_FAILED

    def test_wrong_ca_accepted_when_not_rejecting(self, rc):
        with open(rc.env["wrong_ca_cert_path"]) as wrong_ca:
            pem = wrong_ca.read()
        rc.configure_ldap(LDAP_Encryption="ssl", LDAP_Port=int(rc.env["tls_port"]), LDAP_CA_Cert=pem,
                          LDAP_Reject_Unauthorized=False)
        assert post_test_connection(rc).json() == CONNECTION_OK

    def test_host_name_mismatch_fails(self, rc):
        rc.configure_ldap(LDAP_Encryption="ssl", LDAP_Host=rc.env["mismatch_host"], LDAP_Port=int(rc.env["tls_port"]),
                          LDAP_CA_Cert=rc.env["ca_cert_pem"], LDAP_Reject_Unauthorized=True)
        assert post_test_connection(rc).json() == CONNECTION_FAILED

    def test_no_2fa_asked(self, rc):
        rc.require_2fa("password")
        rc.configure_ldap()
        reply = post_test_connection(rc, rc.admin_login())
        assert reply.status_code == 200, reply.text

    def test_plain_user_403(self, rc, user_headers):
        rc.configure_ldap()
        reply = post_test_connection(rc, user_headers)
        assert reply.status_code == 403
        assert reply.json() == UNAUTHORIZED_403


class TestTestSearch:
    def test_disabled(self, rc):
        reply = post_test_search(rc, "alice")
        assert reply.status_code == 400
        assert reply.json() == LDAP_DISABLED

    def test_exactly_one_match(self, rc):
        rc.configure_ldap()
        reply = post_test_search(rc, "alice")
        assert reply.status_code == 200, reply.text
        assert reply.json() == USER_FOUND

    def test_no_match(self, rc):
        rc.configure_ldap()
        reply = post_test_search(rc, "nobody-here")
        assert reply.status_code == 400
        assert reply.json() == SEARCH_FAILED

    def test_many_matches(self, rc):
        rc.configure_ldap(LDAP_User_Search_Field="cn")
        assert post_test_search(rc, "John Smith").json() == SEARCH_FAILED

    def test_comma_list_of_fields_is_an_or(self, rc):
        rc.configure_ldap(LDAP_User_Search_Field="uid,mail")
        assert post_test_search(rc, "bob@example.org").json() == USER_FOUND
        assert post_test_search(rc, "bob").json() == USER_FOUND

    def test_user_filter_applies(self, rc):
        rc.configure_ldap(LDAP_User_Search_Filter="(objectClass=groupOfNames)")
        assert post_test_search(rc, "alice").json() == SEARCH_FAILED

    def test_connection_failure_is_search_failed(self, rc):
        rc.configure_ldap(LDAP_Host="127.0.0.1", LDAP_Port=free_port())
        reply = post_test_search(rc, "alice")
        assert reply.status_code == 400
        assert reply.json() == SEARCH_FAILED

    @pytest.mark.parametrize("body", [{}, {"username": "alice", "extra": 1}], ids=["missing", "extra"])
    def test_body_schema(self, rc, body):
        rc.configure_ldap()
        reply = requests.post(rc.api("ldap.testSearch"), json=body, headers=rc.admin, timeout=10)
        assert reply.status_code == 400
        assert reply.json()["success"] is False
        assert reply.json()["errorType"] == "invalid-params"

    def test_plain_user_403(self, rc, user_headers):
        rc.configure_ldap()
        reply = post_test_search(rc, "alice", user_headers)
        assert reply.status_code == 403
        assert reply.json() == UNAUTHORIZED_403


class TestSyncNow:
    def test_disabled(self, rc):
        reply = sync_now(rc)
        assert reply.status_code == 400
        assert reply.json() == LDAP_DISABLED

    def test_plain_user_not_authorized_is_400(self, rc, user_headers):
        rc.configure_ldap()
        # Production default (2FA with the password fallback): the 2FA check runs before the handler's
        # permission check, so the plain user's login token answers it to reach the permission error.
        reply = sync_now(rc, {**user_headers, **password_2fa(rc.env["user_password"])})
        assert reply.status_code == 400
        assert reply.json() == {"success": False, "error": "error-not-authorized"}

    def test_permission_checked_before_ldap_enable(self, rc, user_headers):
        # Production default (2FA with the password fallback): the 2FA check runs before the handler's
        # permission check, so the plain user's login token answers it to reach the permission error.
        reply = sync_now(rc, {**user_headers, **password_2fa(rc.env["user_password"])})
        assert reply.status_code == 400
        assert reply.json() == {"success": False, "error": "error-not-authorized"}

    def test_no_op_without_background_sync(self, rc):
        rc.configure_ldap()
        before = users_total(rc)
        reply = sync_now(rc)
        assert reply.status_code == 200, reply.text
        assert reply.json() == SYNC_STARTED
        assert users_total(rc) == before
        missing = rc.user_info("alice")
        assert missing.status_code == 400
        assert missing.json() == {"success": False, "error": "User not found."}

    def test_imports_users_synchronously(self, rc):
        rc.configure_ldap(LDAP_Background_Sync=True)
        before = users_total(rc)
        reply = sync_now(rc)
        assert reply.status_code == 200, reply.text
        assert reply.json() == SYNC_STARTED
        # The reply comes after the sync: the users exist now.
        info = rc.user_info("alice")
        assert info.status_code == 200, info.text
        user = info.json()["user"]
        assert user["username"] == "alice"
        assert user["ldap"] is True
        assert user["roles"] == ["user"]
        assert user["active"] is True
        assert user["emails"][0]["address"] == "alice@example.org"
        # 32 people; oscar has no mail and no default domain is set, so he is rejected.
        assert users_total(rc) == before + 31
        assert rc.user_info("oscar").status_code == 400

    def test_import_with_roles_from_groups(self, rc):
        rc.configure_ldap(LDAP_Background_Sync=True, LDAP_Sync_User_Data_Roles=True,
                          LDAP_Sync_User_Data_Roles_BaseDN=GROUPS_DN.format(base=rc.env["ldap_base_dn"]))
        assert sync_now(rc).status_code == 200
        # Default map {"rocket-admin": "admin", "tech-support": "support"}; "support" is no role: dropped.
        assert sorted(rc.user_info("alice").json()["user"]["roles"]) == ["admin", "user"]
        assert rc.user_info("carol").json()["user"]["roles"] == ["user"]
        assert rc.user_info("frank").json()["user"]["roles"] == ["user"]

    def test_import_disabled_leaves_users_out(self, rc):
        rc.configure_ldap(LDAP_Background_Sync=True, LDAP_Background_Sync_Import_New_Users=False)
        before = users_total(rc)
        assert sync_now(rc).status_code == 200
        assert users_total(rc) == before

    def test_unlicensed_forces_2fa_even_with_bypass_pat(self, rc):
        rc.configure_ldap(LDAP_Background_Sync=True)
        rc.require_2fa("password")
        rc.config(license="none")
        reply = sync_now(rc)  # the admin PAT has bypassTwoFactor: it does not help here (§3.4)
        assert reply.status_code == 400
        body = reply.json()
        assert body["success"] is False
        assert body["error"] == "TOTP Required [totp-required]"
        assert body["errorType"] == "totp-required"
        assert body["details"]["method"] == "password"
        assert body["details"]["availableMethods"] == []
        assert rc.user_info("alice").status_code == 400
        # The second factor passes the challenge (the reply after it is not determined).
        passed = sync_now(rc, {**rc.admin, **password_2fa(rc.env["admin_password"])})
        assert passed.json().get("errorType") not in ("totp-required", "totp-invalid")

    def test_licensed_bypass_pat_is_enough(self, rc):
        rc.configure_ldap()
        rc.require_2fa("password")
        reply = sync_now(rc)
        assert reply.status_code == 200, reply.text

    def test_licensed_login_token_is_challenged(self, rc):
        rc.configure_ldap()
        rc.require_2fa("password")
        reply = sync_now(rc, rc.admin_login())
        assert reply.status_code == 400
        assert reply.json()["errorType"] == "totp-required"


class TestVersion9Licence:
    """§6.1-§6.3 pending 9.0: the LDAP routes carry license:['ldap-enterprise']."""

    @pytest.mark.parametrize("route,body", [("ldap.testConnection", None), ("ldap.testSearch", {"username": "alice"}),
                                            ("ldap.syncNow", None)])
    def test_unlicensed_not_allowed(self, rc, route, body):
        rc.configure_ldap()
        rc.config(version="9.0.0", license="none")
        reply = requests.post(rc.api(route), json=body, headers=rc.admin, timeout=30)
        assert reply.status_code == 400
        assert reply.json() == NOT_LICENSED

    def test_licensed_works(self, rc):
        rc.config(version="9.0.0")
        rc.configure_ldap()
        assert post_test_connection(rc).json() == CONNECTION_OK
        assert post_test_search(rc, "alice").json() == USER_FOUND

    def test_sync_with_nothing_enabled(self, rc):
        rc.config(version="9.0.0")
        rc.configure_ldap()
        reply = sync_now(rc)
        assert reply.status_code == 400
        assert reply.json()["error"] == "LDAP_Background_Sync_disabled"


class TestLdapLogin:
    """§2.1: LDAP login when LDAP_Enable, with the 8.x fallback to local login."""

    def login(self, rc, username, password):
        return requests.post(rc.api("login"), json={"user": username, "password": password}, timeout=30)

    def test_ldap_user_logs_in_and_is_created(self, rc):
        rc.configure_ldap()
        reply = self.login(rc, "alice", "alice-pass")
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["status"] == "success"
        assert body["data"]["me"]["username"] == "alice"
        info = rc.user_info("alice").json()["user"]
        assert info["ldap"] is True
        assert info["_id"] == body["data"]["userId"]
        assert "user" in info["roles"]

    def test_second_login_is_the_same_user(self, rc):
        rc.configure_ldap()
        first = self.login(rc, "bob", "bob-pass").json()["data"]["userId"]
        second = self.login(rc, "bob", "bob-pass").json()["data"]["userId"]
        assert first == second

    @pytest.mark.parametrize("username,password", [("alice", "wrong"), ("nobody-here", "x"),
                                                   ("mallory", "mallory-pass")])
    def test_failures_fall_back_to_local_login_and_fail(self, rc, username, password):
        rc.configure_ldap()
        reply = self.login(rc, username, password)
        assert reply.status_code == 401
        assert reply.json() == LOGIN_UNAUTHORIZED

    def test_local_user_falls_back_to_local_password(self, rc):
        rc.configure_ldap()
        reply = self.login(rc, rc.env["admin_username"], rc.env["admin_password"])
        assert reply.status_code == 200, reply.text
        assert reply.json()["data"]["userId"] == rc.admin_id

    def test_ldap_disabled_means_no_ldap_login(self, rc):
        rc.configure_ldap(LDAP_Enable=False)
        reply = self.login(rc, "alice", "alice-pass")
        assert reply.status_code == 401
        assert reply.json() == LOGIN_UNAUTHORIZED

    def test_login_fallback_stores_the_ldap_password_locally(self, rc):
        rc.configure_ldap(LDAP_Login_Fallback=True)
        assert self.login(rc, "carol", "carol-pass").status_code == 200
        rc.set_setting("LDAP_Enable", False)
        reply = self.login(rc, "carol", "carol-pass")
        assert reply.status_code == 200, reply.text
        assert reply.json()["data"]["me"]["username"] == "carol"

    def test_without_login_fallback_no_local_password(self, rc):
        rc.configure_ldap(LDAP_Login_Fallback=False)
        assert self.login(rc, "carol", "carol-pass").status_code == 200
        rc.set_setting("LDAP_Enable", False)
        assert self.login(rc, "carol", "carol-pass").json() == LOGIN_UNAUTHORIZED

    def test_group_filter_rejection_falls_back(self, rc):
        # victor is not in ROCKET_CHAT (the default group of the group filter).
        rc.configure_ldap(LDAP_Group_Filter_Enable=True,
                          LDAP_Group_Filter_Group_Member_Format="uid=#{username},ou=people," + rc.env["ldap_base_dn"])
        assert self.login(rc, "victor", "victor-pass").json() == LOGIN_UNAUTHORIZED
        assert self.login(rc, "alice", "alice-pass").status_code == 200


class TestActiveDirectory:
    """§6.2/§6.4 with LDAP_Server_Type "ad": the LDAP_AD_* fields (sAMAccountName, mail, cn) and the
    objectGUID unique id, against the AD-like slapd (tests/sandbox/ldap/data/ad.ldif)."""

    def test_search_and_sync(self, rc, slapd_ad):
        rc.configure_ldap(slapd_ad.info, LDAP_Server_Type="ad", LDAP_Background_Sync=True)
        assert post_test_search(rc, "aadams").json() == USER_FOUND
        assert post_test_search(rc, "amy.adams@corp.example.com").json() == SEARCH_FAILED
        assert sync_now(rc).json() == SYNC_STARTED
        user = rc.user_info("aadams").json()["user"]
        assert user["ldap"] is True
        assert user["name"] == "Amy Adams"
        assert user["emails"][0]["address"] == "amy.adams@corp.example.com"
        assert user["services"]["ldap"]["idAttribute"] == "objectGUID"
        assert user["services"]["ldap"]["id"] == base64.b64decode("2Nr5FNfoJVS1twIBcG9KkQ==").hex()

    def test_login(self, rc, slapd_ad):
        rc.configure_ldap(slapd_ad.info, LDAP_Server_Type="ad")
        reply = requests.post(rc.api("login"), json={"user": "bbaker", "password": "bbaker-pass"}, timeout=30)
        assert reply.status_code == 200, reply.text
        assert reply.json()["data"]["me"]["username"] == "bbaker"
