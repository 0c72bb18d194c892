"""§5.3 single POST /api/v1/settings/:_id, §5.4 bulk POST /api/v1/settings (8.6+),
§5.5 method.call/saveSettings, §5.7 blocked/hidden, §3 two-factor on writes."""

import json

import pytest
import requests

from tests.contract.conftest import password_2fa, sha256_hex


def post_one(rc, setting_id, body, headers=None):
    return requests.post(rc.api(f"settings/{setting_id}"), json=body, headers=headers or rc.admin, timeout=10)


def post_bulk(rc, body, headers=None):
    return requests.post(rc.api("settings"), json=body, headers=headers or rc.admin, timeout=10)


def bulk(*pairs):
    return {"settings": [{"_id": setting_id, "value": value} for setting_id, value in pairs]}


def state_setting(rc, setting_id):
    """The stored document, from the sandbox's test-only state route (reaches hidden settings too)."""
    state = requests.get(f"{rc.url}/_sandbox/state", timeout=10).json()
    settings = state["settings"]
    if isinstance(settings, dict):
        return settings.get(setting_id)
    return next((doc for doc in settings if doc["_id"] == setting_id), None)


class TestSinglePost:
    def test_write_and_read_back(self, rc):
        reply = post_one(rc, "LDAP_Host", {"value": "ldap.example.org"})
        assert reply.status_code == 200
        assert reply.json() == {"success": True}
        assert rc.get_setting("LDAP_Host") == "ldap.example.org"

    def test_no_type_check_value_stored_as_sent(self, rc):
        reply = post_one(rc, "LDAP_Port", {"value": "389"})
        assert reply.status_code == 200
        assert reply.json() == {"success": True}
        assert rc.get_setting("LDAP_Port") == "389"
        assert post_one(rc, "LDAP_Enable", {"value": "yes"}).status_code == 200
        assert rc.get_setting("LDAP_Enable") == "yes"

    def test_same_value_again_still_succeeds(self, rc):
        for _ in range(2):
            reply = post_one(rc, "LDAP_Port", {"value": 636})
            assert reply.status_code == 200
            assert reply.json() == {"success": True}

    def test_extra_keys_allowed(self, rc):
        reply = post_one(rc, "LDAP_Host", {"value": "x.example.org", "comment": "ignored"})
        assert reply.status_code == 200
        assert rc.get_setting("LDAP_Host") == "x.example.org"

    def test_unknown_id(self, rc):
        reply = post_one(rc, "Not_A_Setting", {"value": "x"})
        assert reply.status_code == 400
        assert reply.json() == {"success": False}

    def test_no_value(self, rc):
        reply = post_one(rc, "LDAP_Host", {"something": "else"})
        assert reply.status_code == 400
        assert reply.json() == {"success": False}

    def test_blocked(self, rc):
        rc.config(blocked=["LDAP_Host"])
        reply = post_one(rc, "LDAP_Host", {"value": "blocked.example.org"})
        assert reply.status_code == 400
        assert reply.json() == {"success": False}
        assert rc.get_setting("LDAP_Host") == ""

    def test_hidden(self, rc):
        rc.config(hidden=["LDAP_Host"])
        reply = post_one(rc, "LDAP_Host", {"value": "hidden.example.org"})
        assert reply.status_code == 400
        assert reply.json() == {"success": False}

    def test_unlicensed_enterprise_id_is_not_registered(self, rc):
        rc.config(license="none")
        rc.sandbox.reset()
        reply = post_one(rc, "LDAP_Background_Sync", {"value": True})
        assert reply.status_code == 400
        assert reply.json() == {"success": False}

    def test_enterprise_setting_registered_earlier_accepts_writes(self, rc):
        rc.config(license="none")  # licence lost on the same workspace
        reply = post_one(rc, "LDAP_Background_Sync", {"value": True})
        assert reply.status_code == 200
        assert rc.get_setting("LDAP_Background_Sync") is True

    def test_two_factor(self, rc):
        rc.require_2fa("password")
        headers = rc.admin_login()
        reply = post_one(rc, "LDAP_Host", {"value": "2fa.example.org"}, headers)
        assert reply.status_code == 400
        assert reply.json() == {"success": False, "error": "TOTP Required [totp-required]",
                                "errorType": "totp-required",
                                "details": {"method": "password", "codeGenerated": False, "availableMethods": []}}
        wrong = post_one(rc, "LDAP_Host", {"value": "2fa.example.org"},
                         {**headers, "x-2fa-method": "password", "x-2fa-code": sha256_hex("not-the-password")})
        assert wrong.status_code == 400
        assert wrong.json()["error"] == "TOTP Invalid [totp-invalid]"
        assert wrong.json()["errorType"] == "totp-invalid"
        assert wrong.json()["details"]["method"] == "password"
        assert rc.get_setting("LDAP_Host") == ""
        good = post_one(rc, "LDAP_Host", {"value": "2fa.example.org"}, {**headers, **password_2fa(rc.env["admin_password"])})
        assert good.status_code == 200, good.text
        assert rc.get_setting("LDAP_Host") == "2fa.example.org"

    def test_code_header_without_method_is_no_code(self, rc):
        rc.require_2fa("password")
        headers = {**rc.admin_login(), "x-2fa-code": sha256_hex(rc.env["admin_password"])}
        reply = post_one(rc, "LDAP_Host", {"value": "2fa.example.org"}, headers)
        assert reply.status_code == 400
        assert reply.json()["errorType"] == "totp-required"

    def test_password_method_not_used_when_totp_enabled(self, rc):
        # §3.2 step 5: a user with TOTP is asked for TOTP; a password digest is checked as a TOTP code.
        rc.require_2fa("totp")
        headers = {**rc.admin_login_totp(), **password_2fa(rc.env["admin_password"])}
        reply = post_one(rc, "LDAP_Host", {"value": "2fa.example.org"}, headers)
        assert reply.status_code == 400
        assert reply.json()["errorType"] == "totp-invalid"
        assert reply.json()["details"]["method"] == "totp"
        assert rc.get_setting("LDAP_Host") == ""

    def test_passed_2fa_is_remembered_for_the_token(self, rc):
        rc.config(two_factor="password")
        rc.set_setting("Accounts_TwoFactorAuthentication_RememberFor", 300)
        headers = rc.admin_login()
        first = post_one(rc, "LDAP_Host", {"value": "one.example.org"}, {**headers, **password_2fa(rc.env["admin_password"])})
        assert first.status_code == 200, first.text
        second = post_one(rc, "LDAP_Host", {"value": "two.example.org"}, headers)
        assert second.status_code == 200, second.text
        assert rc.get_setting("LDAP_Host") == "two.example.org"

    def test_totp_challenge(self, rc):
        rc.require_2fa("totp")
        headers = rc.admin_login_totp()
        reply = post_one(rc, "LDAP_Host", {"value": "totp.example.org"}, headers)
        assert reply.status_code == 400
        body = reply.json()
        assert body["errorType"] == "totp-required"
        assert body["details"]["method"] == "totp"
        assert body["details"]["availableMethods"] == ["totp"]
        good = post_one(rc, "LDAP_Host", {"value": "totp.example.org"},
                        {**headers, "x-2fa-method": "totp", "x-2fa-code": rc.totp()})
        assert good.status_code == 200, good.text


class TestBulkPost:
    """§5.4, 8.6+ (the default 8.8.1)."""

    def test_success(self, rc):
        reply = post_bulk(rc, bulk(("LDAP_Host", "bulk.example.org"), ("LDAP_Port", 636), ("LDAP_Encryption", "ssl"),
                                   ("LDAP_Enable", True), ("LDAP_CustomFieldMap", '{"mail": "email"}')))
        assert reply.status_code == 200, reply.text
        assert reply.json() == {"success": True}
        assert rc.get_setting("LDAP_Host") == "bulk.example.org"
        assert rc.get_setting("LDAP_Port") == 636
        assert rc.get_setting("LDAP_Encryption") == "ssl"
        assert rc.get_setting("LDAP_Enable") is True
        assert rc.get_setting("LDAP_CustomFieldMap") == '{"mail": "email"}'

    @pytest.mark.parametrize("setting_id,value,expected,got", [
        ("LDAP_Enable", "true", "boolean", "string"),
        ("LDAP_Port", "389", "number", "string"),
        ("LDAP_Host", 5, "string", "number"),
        ("LDAP_Encryption", True, "string", "boolean"),
        ("Not_A_Setting", 5, "string", "number"),  # unknown ids are checked as strings
    ])
    def test_type_check(self, rc, setting_id, value, expected, got):
        reply = post_bulk(rc, bulk(("LDAP_Host", "first.example.org"), (setting_id, value)))
        assert reply.status_code == 400
        assert reply.json() == {"success": False, "error": f"Match error: Expected {expected}, got {got}"}
        assert rc.get_setting("LDAP_Host") == ""  # all checks run before any write

    def test_non_integer(self, rc):
        reply = post_bulk(rc, bulk(("LDAP_Port", 1.5)))
        assert reply.status_code == 400
        assert reply.json() == {"success": False,
                                "error": "Invalid setting value 1.5 [error-invalid-setting-value]",
                                "errorType": "error-invalid-setting-value", "details": {"method": "saveSettings"}}
        assert rc.get_setting("LDAP_Port") == 389

    def test_bad_json_in_json_code_setting(self, rc):
        # LDAP_Sync_User_Data_RolesMap is a code setting with code "application/json".
        default = rc.get_setting("LDAP_Sync_User_Data_RolesMap")
        reply = post_bulk(rc, bulk(("LDAP_Host", "first.example.org"), ("LDAP_Sync_User_Data_RolesMap", "{not json")))
        assert reply.status_code == 400
        assert reply.json() == {"success": False, "error": "[Invalid JSON provided]",
                                "errorType": "Invalid JSON provided"}
        assert rc.get_setting("LDAP_Host") == ""
        assert rc.get_setting("LDAP_Sync_User_Data_RolesMap") == default

    def test_code_setting_without_json_mode_takes_any_string(self, rc):
        # LDAP_CustomFieldMap is a code setting without code "application/json": only "a string".
        reply = post_bulk(rc, bulk(("LDAP_CustomFieldMap", "{not json")))
        assert reply.status_code == 200, reply.text
        assert rc.get_setting("LDAP_CustomFieldMap") == "{not json"

    def test_empty_string_allowed_in_json_code_setting(self, rc):
        reply = post_bulk(rc, bulk(("LDAP_Sync_User_Data_RolesMap", "")))
        assert reply.status_code == 200, reply.text
        assert rc.get_setting("LDAP_Sync_User_Data_RolesMap") == ""

    def test_unknown_ids_silently_succeed(self, rc):
        reply = post_bulk(rc, bulk(("Not_A_Setting", "x"), ("LDAP_Host", "known.example.org")))
        assert reply.status_code == 200
        assert reply.json() == {"success": True}
        assert rc.get_setting("LDAP_Host") == "known.example.org"
        unknown = requests.get(rc.api("settings/Not_A_Setting"), headers=rc.admin, timeout=10)
        assert unknown.status_code == 400

    def test_blocked_silently_skipped(self, rc):
        rc.config(blocked=["LDAP_Host"])
        reply = post_bulk(rc, bulk(("LDAP_Host", "blocked.example.org"), ("LDAP_Port", 1389)))
        assert reply.status_code == 200
        assert reply.json() == {"success": True}
        assert rc.get_setting("LDAP_Host") == ""
        assert rc.get_setting("LDAP_Port") == 1389

    def test_hidden_is_written(self, rc):
        rc.config(hidden=["LDAP_Host"])
        reply = post_bulk(rc, bulk(("LDAP_Host", "hidden.example.org")))
        assert reply.status_code == 200
        assert state_setting(rc, "LDAP_Host")["value"] == "hidden.example.org"

    @pytest.mark.parametrize("body", [
        {},
        {"settings": []},
        {"settings": [{"_id": "LDAP_Host"}], "extra": 1},
        {"settings": [{"_id": "LDAP_Host", "value": "x", "extra": 1}]},
        {"settings": [{"value": "x"}]},
        {"settings": [{"_id": "LDAP_Host", "value": "x", "editor": "rainbow"}]},
    ], ids=["missing", "empty", "extra-top-key", "extra-item-key", "missing-id", "bad-editor"])
    def test_schema_failures_are_invalid_params(self, rc, body):
        reply = post_bulk(rc, body)
        assert reply.status_code == 400
        result = reply.json()
        assert result["success"] is False
        assert result["errorType"] == "invalid-params"
        assert rc.get_setting("LDAP_Host") == ""

    def test_missing_settings_message(self, rc):
        error = post_bulk(rc, {}).json()["error"]
        assert error.startswith("must have required property 'settings'")

    def test_plain_user_not_allowed(self, rc, user_headers):
        # Production default (2FA with the password fallback): the 2FA check runs before the handler's
        # permission check, so the plain user's login token answers it to reach the permission error.
        headers = {**user_headers, **password_2fa(rc.env["user_password"])}
        reply = post_bulk(rc, bulk(("LDAP_Host", "user.example.org"), ("LDAP_Port", 1)), headers)
        assert reply.status_code == 400
        body = reply.json()
        assert body == {"success": False, "error": "Editing settings is not allowed [error-action-not-allowed]",
                        "errorType": "error-action-not-allowed",
                        "details": {"method": "saveSettings", "settingIds": body["details"]["settingIds"]}}
        assert sorted(body["details"]["settingIds"]) == ["LDAP_Host", "LDAP_Port"]
        assert rc.get_setting("LDAP_Host") == ""

    def test_two_factor_on_every_call(self, rc):
        rc.require_2fa("password")
        headers = rc.admin_login()
        without = post_bulk(rc, bulk(("LDAP_Host", "a.example.org")), headers)
        assert without.status_code == 400
        body = without.json()
        assert body["error"] == "TOTP Required [totp-required]"
        assert body["errorType"] == "totp-required"
        assert body["details"]["method"] == "password"
        assert body["details"]["availableMethods"] == []
        with_code = post_bulk(rc, bulk(("LDAP_Host", "a.example.org")), {**headers, **password_2fa(rc.env["admin_password"])})
        assert with_code.status_code == 200, with_code.text
        # disableRememberMe: the next call is challenged again.
        again = post_bulk(rc, bulk(("LDAP_Host", "b.example.org")), headers)
        assert again.status_code == 400
        assert again.json()["errorType"] == "totp-required"
        assert rc.get_setting("LDAP_Host") == "a.example.org"

    def test_two_factor_passed_by_bypass_pat(self, rc):
        rc.require_2fa("password")
        reply = post_bulk(rc, bulk(("LDAP_Host", "pat.example.org")))
        assert reply.status_code == 200, reply.text
        assert rc.get_setting("LDAP_Host") == "pat.example.org"

    @pytest.mark.parametrize("version", ["8.5.0", "7.10.2"])
    def test_absent_before_8_6(self, rc, version):
        rc.config(version=version)
        reply = post_bulk(rc, bulk(("LDAP_Host", "old.example.org")))
        assert reply.status_code in (404, 405)  # no such route (§5.4, §8)
        assert rc.get_setting("LDAP_Host") == ""

    def test_present_from_8_6_0(self, rc):
        rc.config(version="8.6.0")
        reply = post_bulk(rc, bulk(("LDAP_Host", "new.example.org")))
        assert reply.status_code == 200, reply.text


class TestSaveSettingsMethod:
    """§5.5: the DDP method frame over REST."""

    def save(self, rc, items, headers=None, two_factor=None):
        params = [items] + ([two_factor] if two_factor else [])
        return rc.method_call("saveSettings", params, headers or rc.admin)

    @pytest.mark.parametrize("version", ["7.10.2", "8.5.0", "8.8.1"])
    def test_success(self, rc, version):
        rc.config(version=version)
        reply, frame = self.save(rc, [{"_id": "LDAP_Host", "value": "ddp.example.org"}, {"_id": "LDAP_Port", "value": 636}])
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert set(body) == {"message", "success"}
        assert body["success"] is True
        assert frame == {"msg": "result", "id": "1", "result": True}
        assert rc.get_setting("LDAP_Host") == "ddp.example.org"
        assert rc.get_setting("LDAP_Port") == 636

    @pytest.mark.parametrize("version,status,success", [("8.8.1", 400, False), ("8.5.0", 400, False),
                                                        ("7.10.2", 200, True)])
    def test_two_factor_error_inside_message(self, rc, version, status, success):
        rc.config(version=version)
        rc.require_2fa("password")
        reply, frame = self.save(rc, [{"_id": "LDAP_Host", "value": "ddp.example.org"}], rc.admin_login())
        assert reply.status_code == status
        assert reply.json()["success"] is success
        assert frame["msg"] == "result" and frame["id"] == "1"
        error = frame["error"]
        assert error["isClientSafe"] is True
        assert error["error"] == "totp-required"
        assert error["reason"] == "TOTP Required"
        assert error["message"] == "TOTP Required [totp-required]"
        assert error["errorType"] == "Meteor.Error"
        assert error["details"]["method"] == "password"
        assert "result" not in frame
        assert rc.get_setting("LDAP_Host") == ""

    def test_two_factor_in_last_parameter(self, rc):
        rc.require_2fa("password")
        reply, frame = self.save(rc, [{"_id": "LDAP_Host", "value": "ddp.example.org"}], rc.admin_login(),
                                 {"twoFactorCode": sha256_hex(rc.env["admin_password"]), "twoFactorMethod": "password"})
        assert reply.status_code == 200, reply.text
        assert frame["result"] is True
        assert rc.get_setting("LDAP_Host") == "ddp.example.org"

    def test_type_error_inside_message(self, rc):
        reply, frame = self.save(rc, [{"_id": "LDAP_Host", "value": "ddp.example.org"}, {"_id": "LDAP_Enable", "value": "yes"}])
        assert reply.status_code == 400
        assert reply.json()["success"] is False
        assert "error" in frame
        assert rc.get_setting("LDAP_Host") == ""

    def test_plain_user_error_inside_message(self, rc, user_headers):
        # Production default (2FA with the password fallback): saveSettings' 2FA check runs before its
        # permission check, so the plain user answers it (trailing parameter) to reach the permission error.
        answer = {"twoFactorCode": sha256_hex(rc.env["user_password"]), "twoFactorMethod": "password"}
        reply, frame = self.save(rc, [{"_id": "LDAP_Host", "value": "user.example.org"}], user_headers, answer)
        assert reply.status_code == 400
        assert frame["error"]["error"] == "error-action-not-allowed"
        assert rc.get_setting("LDAP_Host") == ""

    def test_unparsable_frame(self, rc):
        reply = requests.post(rc.api("method.call/saveSettings"), json={"message": "{not a frame"}, headers=rc.admin,
                              timeout=10)
        assert reply.status_code == 400
        assert reply.json() == {"success": False, "error": "Invalid method call"}

    def test_needs_login(self, rc):
        reply = requests.post(rc.api("method.call/saveSettings"),
                              json={"message": json.dumps({"msg": "method", "id": "1", "method": "saveSettings",
                                                           "params": [[]]})}, timeout=10)
        assert reply.status_code == 401
