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
