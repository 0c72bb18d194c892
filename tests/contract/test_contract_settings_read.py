"""§5.1 GET /api/v1/settings, §5.2 GET /api/v1/settings/:_id, §5.6 private-settings:get, §5.7 env overwrite."""

import time

import pytest
import requests

from tests.contract.conftest import NOT_LOGGED_IN, ldap_settings_data

LIST_KEYS = {"_id", "value", "enterprise", "invalidValue", "modules"}
CATALOG = {item["id"]: item for item in ldap_settings_data()}
EE_IDS = {i for i, item in CATALOG.items() if item["enterprise"]}
PUBLIC_LDAP_IDS = {i for i, item in CATALOG.items() if item["public"]}


def list_settings(rc, headers=None, **params):
    reply = requests.get(rc.api("settings"), params=params, headers=headers or rc.admin, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


def everything(rc, headers=None, **params):
    return {item["_id"]: item for item in list_settings(rc, headers, count=0, **params)["settings"]}


class TestList:
    def test_default_page(self, rc):
        body = list_settings(rc)
        assert body["success"] is True
        assert body["offset"] == 0
        assert body["total"] > 82  # the LDAP settings, plus the others and the group documents
        assert body["count"] == len(body["settings"]) == 50
        ids = [item["_id"] for item in body["settings"]]
        assert ids == sorted(ids)

    def test_count_zero_means_everything(self, rc):
        body = list_settings(rc, count=0)
        assert body["count"] == len(body["settings"]) == body["total"]
        ids = {item["_id"] for item in body["settings"]}
        assert set(CATALOG) <= ids

    def test_count_is_capped_at_100(self, rc):
        body = list_settings(rc, count=500)
        assert body["count"] == len(body["settings"]) == min(100, body["total"])

    def test_paging_echoes_and_slices(self, rc):
        full = [item["_id"] for item in list_settings(rc, count=0)["settings"]]
        body = list_settings(rc, count=7, offset=11)
        assert body["count"] == 7
        assert body["offset"] == 11
        assert body["total"] == len(full)
        assert [item["_id"] for item in body["settings"]] == full[11:18]

    def test_offset_past_the_end(self, rc):
        total = list_settings(rc, count=1)["total"]
        body = list_settings(rc, offset=total + 5)
        assert body["settings"] == []
        assert body["count"] == 0
        assert body["total"] == total

    def test_fixed_projection(self, rc):
        items = everything(rc)
        for item in items.values():
            assert set(item) <= LIST_KEYS, item
        assert items["LDAP_Port"] == {"_id": "LDAP_Port", "value": 389}
        assert items["LDAP_Background_Sync"] == {"_id": "LDAP_Background_Sync", "value": False, "enterprise": True,
                                                 "invalidValue": False, "modules": ["ldap-enterprise"]}

    def test_include_defaults_adds_package_value(self, rc):
        rc.set_setting("LDAP_Port", 1389)
        items = everything(rc, includeDefaults="true")
        assert items["LDAP_Port"] == {"_id": "LDAP_Port", "value": 1389, "packageValue": 389}
        for item in items.values():
            assert set(item) <= LIST_KEYS | {"packageValue"}, item

    def test_group_documents_have_only_an_id(self, rc):
        items = everything(rc)
        assert items["LDAP"] == {"_id": "LDAP"}

    def test_secrets_in_clear(self, rc):
        rc.set_setting("LDAP_Authentication_Password", "s3cret-value")
        assert everything(rc)["LDAP_Authentication_Password"]["value"] == "s3cret-value"

    @pytest.mark.parametrize("params", [{"foo": "1"}, {"count": "many"}])
    def test_invalid_query_is_400(self, rc, params):
        reply = requests.get(rc.api("settings"), params=params, headers=rc.admin, timeout=10)
        assert reply.status_code == 400
        body = reply.json()
        assert body["success"] is False
        assert body["errorType"] == "error-invalid-params"
        assert isinstance(body["error"], str) and body["error"]

    def test_hidden_never_listed(self, rc):
        rc.config(hidden=["LDAP_Host", "LDAP_Background_Sync"])
        ids = set(everything(rc))
        assert "LDAP_Host" not in ids
        assert "LDAP_Background_Sync" not in ids
        assert "LDAP_Port" in ids

    def test_plain_user_sees_only_public(self, rc, user_headers):
        ids = set(everything(rc, user_headers))
        assert ids & set(CATALOG) == PUBLIC_LDAP_IDS
        assert "LDAP_Enable" in ids

    def test_sort(self, rc):
        ids = [item["_id"] for item in list_settings(rc, count=0, sort='{"_id":-1}')["settings"]]
        assert ids == sorted(ids, reverse=True)

    def test_query_and_fields_ignored_in_8x(self, rc):
        plain = list_settings(rc, count=0)
        raw = list_settings(rc, count=0, query='{"_id":"LDAP_Port"}', fields='{"type":1,"secret":1}')
        assert raw["settings"] == plain["settings"]
        assert raw["total"] == plain["total"]

    @pytest.mark.parametrize("param", ["query", "fields"])
    def test_query_and_fields_rejected_in_9_0(self, rc, param):
        rc.config(version="9.0.0")
        reply = requests.get(rc.api("settings"), params={param: '{"_id":1}'}, headers=rc.admin, timeout=10)
        assert reply.status_code == 400
        assert reply.json()["success"] is False
        assert reply.json()["errorType"] == "error-invalid-params"

    def test_needs_login(self, rc):
        reply = requests.get(rc.api("settings"), timeout=10)
        assert reply.status_code == 401
        assert reply.json() == NOT_LOGGED_IN


class TestPublicList:
    """§5.1 GET /api/v1/settings.public: no login; public, non-hidden settings only."""

    def public(self, rc, **params):
        reply = requests.get(rc.api("settings.public"), params=params, timeout=10)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["success"] is True
        return body

    def test_only_public(self, rc):
        ids = {item["_id"] for item in self.public(rc, count=0)["settings"]}
        assert ids & set(CATALOG) == PUBLIC_LDAP_IDS

    def test_id_filter(self, rc):
        body = self.public(rc, _id="LDAP_Enable,LDAP_Host")
        assert [item["_id"] for item in body["settings"]] == ["LDAP_Enable"]
        assert body["settings"][0]["value"] is False
        assert body["total"] == 1

    def test_id_without_match(self, rc):
        body = self.public(rc, _id="LDAP_Host")
        assert body["settings"] == []
        assert body["total"] == 0


class TestLicenceSubstitution:
    """§5.1/§5.2/§6.6: registered enterprise settings read as invalidValue in the list when unlicensed;
    GET by id shows the raw stored value."""

    def test_invalid_value_in_list_raw_by_id(self, rc):
        rc.set_setting("LDAP_Sync_User_Active_State", "both")
        rc.set_setting("LDAP_Background_Sync", True)
        assert everything(rc)["LDAP_Sync_User_Active_State"]["value"] == "both"
        rc.config(license="none")  # same workspace: the settings stay registered
        items = everything(rc)
        assert items["LDAP_Sync_User_Active_State"]["value"] == "none"
        assert items["LDAP_Background_Sync"]["value"] is False
        assert items["LDAP_Background_Sync"]["invalidValue"] is False
        assert items["LDAP_Port"]["value"] == 389  # community settings untouched
        assert rc.get_setting("LDAP_Sync_User_Active_State") == "both"
        assert rc.get_setting("LDAP_Background_Sync") is True

    def test_9_0_ldap_enable_is_enterprise(self, rc):
        # §6.6 pending 9.0: LDAP_Enable gets enterprise:true, modules ['ldap-enterprise'], invalidValue false.
        rc.config(version="9.0.0")
        rc.set_setting("LDAP_Enable", True)
        assert everything(rc)["LDAP_Enable"] == {"_id": "LDAP_Enable", "value": True, "enterprise": True,
                                                 "invalidValue": False, "modules": ["ldap-enterprise"]}
        rc.config(license="none")
        assert everything(rc)["LDAP_Enable"]["value"] is False
        assert rc.get_setting("LDAP_Enable") is True

    def test_8x_ldap_enable_is_community(self, rc):
        rc.set_setting("LDAP_Enable", True)
        rc.config(license="none")
        assert everything(rc)["LDAP_Enable"] == {"_id": "LDAP_Enable", "value": True}

    def test_fresh_unlicensed_workspace_has_no_enterprise_settings(self, rc):
        rc.config(license="none")
        rc.sandbox.reset()
        ids = set(everything(rc))
        assert not ids & EE_IDS
        assert set(CATALOG) - EE_IDS <= ids
        for setting_id in ("LDAP_Background_Sync", "LDAP_Sync_User_Data_RolesMap"):
            reply = requests.get(rc.api(f"settings/{setting_id}"), headers=rc.admin, timeout=10)
            assert reply.status_code == 400
            assert reply.json() == {"success": False}


class TestGetById:
    def test_raw_value_only_these_keys(self, rc):
        reply = requests.get(rc.api("settings/LDAP_Port"), headers=rc.admin, timeout=10)
        assert reply.status_code == 200
        assert reply.json() == {"_id": "LDAP_Port", "value": 389, "success": True}

    def test_every_catalog_default(self, rc):
        for setting_id, item in CATALOG.items():
            assert rc.get_setting(setting_id) == item["default"], setting_id

    def test_password_in_clear(self, rc):
        rc.set_setting("LDAP_Authentication_Password", "s3cret-value")
        assert rc.get_setting("LDAP_Authentication_Password") == "s3cret-value"

    def assert_bare_400(self, rc, setting_id):
        reply = requests.get(rc.api(f"settings/{setting_id}"), headers=rc.admin, timeout=10)
        assert reply.status_code == 400
        assert reply.json() == {"success": False}

    def test_unknown_is_bare_400(self, rc):
        self.assert_bare_400(rc, "Not_A_Setting")

    def test_hidden_is_bare_400(self, rc):
        rc.config(hidden=["LDAP_Host"])
        self.assert_bare_400(rc, "LDAP_Host")


class TestPrivateSettings:
    """§5.6 method.call/private-settings:get: full documents of non-hidden settings."""

    def documents(self, rc, headers=None):
        reply, frame = rc.method_call("private-settings:get", [], headers or rc.admin)
        assert reply.status_code == 200, reply.text
        assert reply.json()["success"] is True
        assert frame["msg"] == "result" and frame["id"] == "1"
        return frame["result"]

    def test_full_metadata(self, rc):
        docs = {doc["_id"]: doc for doc in self.documents(rc)}
        assert set(CATALOG) <= set(docs)
        port = docs["LDAP_Port"]
        assert port["type"] == "int"
        assert port["value"] == 389
        assert port["packageValue"] == 389
        assert docs["LDAP_Authentication_Password"]["type"] == "password"
        assert docs["LDAP_Encryption"]["type"] == "select"
        assert [v["key"] for v in docs["LDAP_Encryption"]["values"]] == ["plain", "tls", "ssl"]
        assert docs["LDAP_CustomFieldMap"]["type"] == "code"
        assert docs["LDAP_Background_Sync"]["enterprise"] is True
        assert docs["LDAP_Background_Sync"]["invalidValue"] is False
        # enableQuery comes as a JSON string.
        assert isinstance(docs["LDAP_Host"]["enableQuery"], str)
        assert "LDAP_Enable" in docs["LDAP_Host"]["enableQuery"]

    def test_changed_since(self, rc):
        time.sleep(0.05)  # after the reset's own writes
        since = int(time.time() * 1000)
        time.sleep(0.05)
        rc.set_setting("LDAP_Host", "changed.example.org")
        reply, frame = rc.method_call("private-settings:get", [{"$date": since}], rc.admin)
        assert reply.status_code == 200, reply.text
        result = frame["result"]
        assert set(result) == {"update", "remove"}
        updated = {doc["_id"]: doc for doc in result["update"]}
        assert updated["LDAP_Host"]["value"] == "changed.example.org"
        assert "LDAP_Port" not in updated
        assert isinstance(result["remove"], list)

    def test_blocked_and_hidden(self, rc):
        rc.config(blocked=["LDAP_Port"], hidden=["LDAP_Host"])
        docs = {doc["_id"]: doc for doc in self.documents(rc)}
        assert docs["LDAP_Port"]["blocked"] is True
        assert not docs["LDAP_Encryption"].get("blocked", False)
        assert "LDAP_Host" not in docs

    def test_plain_user_gets_empty_list(self, rc, user_headers):
        assert self.documents(rc, user_headers) == []

    def test_unauthenticated(self, rc):
        reply, _frame = rc.method_call("private-settings:get", [], {})
        assert reply.status_code == 401
        body = reply.json()
        assert body["success"] is False
        assert body["status"] == "error"
        assert body["message"] == "You must be logged in to do this."


class TestEnvironmentOverwrite:
    """§5.7: OVERWRITE_SETTING_<id> applies at every start; a REST write is undone at the next restart."""

    def restart(self, rc):
        reply = requests.post(f"{rc.url}/_sandbox/restart", timeout=30)
        assert reply.status_code == 200, reply.text

    def test_value_source_and_revert(self, rc):
        rc.config(overwrite={"LDAP_Host": "env.example.org", "LDAP_Port": "1636", "LDAP_Enable": "true"})
        self.restart(rc)
        # Converted by the setting's type.
        assert rc.get_setting("LDAP_Host") == "env.example.org"
        assert rc.get_setting("LDAP_Port") == 1636
        assert rc.get_setting("LDAP_Enable") is True
        docs = {doc["_id"]: doc for doc in TestPrivateSettings().documents(rc)}
        assert docs["LDAP_Host"]["valueSource"] == "processEnvValue"
        assert docs["LDAP_Host"]["processEnvValue"] == "env.example.org"
        assert not docs["LDAP_Host"].get("blocked", False)
        assert docs["LDAP_Encryption"].get("valueSource") != "processEnvValue"
        # Not blocked: the write succeeds ...
        rc.set_setting("LDAP_Host", "rest.example.org")
        assert rc.get_setting("LDAP_Host") == "rest.example.org"
        # ... and the next start puts the environment's value back.
        self.restart(rc)
        assert rc.get_setting("LDAP_Host") == "env.example.org"

    def test_restart_without_overwrite_keeps_values(self, rc):
        rc.set_setting("LDAP_Host", "kept.example.org")
        self.restart(rc)
        assert rc.get_setting("LDAP_Host") == "kept.example.org"
