"""Settings details a contract audit found the sandbox getting wrong (REST-CONTRACT.md §5)."""

import requests


def private_settings(rc):
    reply, frame = rc.method_call("private-settings:get", [], rc.admin)
    assert reply.status_code == 200, reply.text
    return {doc["_id"]: doc for doc in frame["result"]}


def test_private_settings_select_options_are_key_and_i18n_label_only(rc):
    """§5.6: the server's documents; `label` is only an annotation of the project's data file."""
    docs = private_settings(rc)
    options = [option for doc in docs.values() for option in doc.get("values") or []]
    assert options, "some settings are selects"
    assert all(set(option) == {"key", "i18nLabel"} for option in options), options


def bulk(rc, items, headers=None):
    return requests.post(rc.api("settings"), json={"settings": items}, headers=headers or rc.admin, timeout=10)


def test_bulk_json_code_setting_only_empty_string_skips_the_json_check(rc):
    """§5.4: a JSON code setting takes valid JSON or ""; blanks are not JSON."""
    assert bulk(rc, [{"_id": "LDAP_Sync_User_Data_RolesMap", "value": ""}]).status_code == 200
    reply = bulk(rc, [{"_id": "LDAP_Sync_User_Data_RolesMap", "value": "  "}])
    assert reply.status_code == 400
    assert reply.json() == {"success": False, "error": "[Invalid JSON provided]", "errorType": "Invalid JSON provided"}
    assert rc.get_setting("LDAP_Sync_User_Data_RolesMap") == ""


def test_bulk_json_code_setting_refuses_what_json_parse_refuses(rc):
    """§5.4: the server checks with JavaScript's JSON.parse, which knows no NaN or Infinity."""
    for text in ('{"rocket-admin": NaN}', "Infinity"):
        reply = bulk(rc, [{"_id": "LDAP_Sync_User_Data_RolesMap", "value": text}])
        assert reply.status_code == 400, text
        assert reply.json()["errorType"] == "Invalid JSON provided"


# §5.8 secret masking (develop; the wiring is unconfirmed, so the sandbox has it as the mask_secrets option)
PASSWORD = "LDAP_Authentication_Password"   # type password
BIND_DN = "LDAP_Authentication_UserDN"      # secret: true
CA_CERT = "LDAP_CA_Cert"                    # secret: true, empty by default


def stored(rc, setting_id):
    """The stored value, from the sandbox's test-only state (never masked)."""
    return next(doc["value"] for doc in rc.sandbox.state()["settings"] if doc["_id"] == setting_id)


def listed(rc):
    reply = requests.get(rc.api("settings"), params={"count": 0}, headers=rc.admin, timeout=10)
    assert reply.status_code == 200, reply.text
    return {item["_id"]: item for item in reply.json()["settings"]}


def test_secrets_are_read_in_clear_by_default(rc):
    """§5.1/§5.2: 8.x returns password and secret settings in clear."""
    rc.set_setting(PASSWORD, "bind-secret")
    assert requests.get(rc.api(f"settings/{PASSWORD}"), headers=rc.admin, timeout=10).json() == {
        "_id": PASSWORD, "value": "bind-secret", "success": True}
    assert listed(rc)[PASSWORD]["value"] == "bind-secret" and "hasValue" not in listed(rc)[PASSWORD]
    assert private_settings(rc)[PASSWORD]["value"] == "bind-secret"


def test_masked_reads_answer_empty_with_has_value(rc):
    rc.config(mask_secrets=True)
    rc.set_setting(PASSWORD, "bind-secret")
    rc.set_setting(BIND_DN, "cn=reader,dc=example,dc=org")
    assert requests.get(rc.api(f"settings/{PASSWORD}"), headers=rc.admin, timeout=10).json() == {
        "_id": PASSWORD, "value": "", "hasValue": True, "success": True}
    items = listed(rc)
    assert (items[PASSWORD]["value"], items[PASSWORD]["hasValue"]) == ("", True)
    assert (items[BIND_DN]["value"], items[BIND_DN]["hasValue"]) == ("", True)
    assert (items[CA_CERT]["value"], items[CA_CERT]["hasValue"]) == ("", False)
    assert items["LDAP_Host"] == {"_id": "LDAP_Host", "value": ""}          # not secret: untouched
    docs = private_settings(rc)
    assert (docs[PASSWORD]["value"], docs[PASSWORD]["hasValue"], docs[PASSWORD]["type"]) == ("", True, "password")
    assert "hasValue" not in docs["LDAP_Host"]
    assert stored(rc, PASSWORD) == "bind-secret"


def test_masked_private_settings_drop_the_environment_source(rc):
    rc.config(mask_secrets=True, overwrite={BIND_DN: "cn=from-env,dc=example,dc=org"})
    doc = private_settings(rc)[BIND_DN]
    assert (doc["value"], doc["hasValue"]) == ("", True)
    assert not {"processEnvValue", "meteorSettingsValue", "valueSource"} & set(doc)
    rc.config(mask_secrets=False)
    assert private_settings(rc)[BIND_DN]["valueSource"] == "processEnvValue"


def test_masked_empty_writes_keep_a_stored_secret(rc):
    """shouldSkipSecretWrite: "" to a secret with a value is a successful no-op, on every write route."""
    rc.config(mask_secrets=True)
    rc.set_setting(PASSWORD, "bind-secret")
    rc.sandbox.clear_requests()
    single = requests.post(rc.api(f"settings/{PASSWORD}"), json={"value": ""}, headers=rc.admin, timeout=10)
    assert single.status_code == 200 and single.json() == {"success": True}
    assert bulk(rc, [{"_id": PASSWORD, "value": ""}, {"_id": "LDAP_Host", "value": "ldap.example.org"}]).json() \
        == {"success": True}
    reply, frame = rc.method_call("saveSettings", [[{"_id": PASSWORD, "value": ""}]], rc.admin)
    assert reply.status_code == 200 and frame["result"] is True
    assert stored(rc, PASSWORD) == "bind-secret"
    assert stored(rc, "LDAP_Host") == "ldap.example.org"                  # the rest of the batch is written
    assert [entry["wrote"] for entry in rc.sandbox.requests()] == [False, True, False]
    rc.set_setting(PASSWORD, "new-secret")                                 # a real value still replaces it
    assert stored(rc, PASSWORD) == "new-secret"


def test_empty_writes_clear_a_secret_without_masking(rc):
    rc.set_setting(PASSWORD, "bind-secret")
    rc.set_setting(PASSWORD, "")
    assert stored(rc, PASSWORD) == ""
