"""Transport details a contract audit found the sandbox getting wrong (REST-CONTRACT.md §1)."""

import pytest
import requests


@pytest.mark.parametrize("version, expected", [
    # §1.3: 7.x routes are legacy addRoute routes (validateParams): "<ajv> [invalid-params]"
    ("7.10.0", {"success": False, "error": "must NOT have additional properties [invalid-params]",
                "errorType": "invalid-params"}),
    # §1.3: the typed router's query-string failure (8.x)
    ("8.8.1", {"success": False, "error": "must NOT have additional properties",
               "errorType": "error-invalid-params"}),
])
def test_query_string_validation_error_shape_per_band(rc, version, expected):
    rc.config(version=version)
    reply = requests.get(rc.api("settings"), params={"unknownKey": "1"}, headers=rc.admin, timeout=10)
    assert reply.status_code == 400
    assert reply.json() == expected


# §1.1: bodies are validated with AJV's coerceTypes: true, and the handler sees the coerced data.

def test_bulk_numeric_id_is_coerced_to_a_string_id(rc):
    """§5.4: the id 5 becomes "5", an unknown id with a string value: silently succeeds."""
    reply = requests.post(rc.api("settings"), json={"settings": [{"_id": 5, "value": "x"}]}, headers=rc.admin,
                          timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"success": True}


def test_bulk_object_id_is_not_coerced(rc):
    reply = requests.post(rc.api("settings"), json={"settings": [{"_id": {"a": 1}, "value": "x"}]},
                          headers=rc.admin, timeout=10)
    assert reply.status_code == 400
    assert reply.json()["errorType"] == "invalid-params"


def test_search_with_null_username_searches_the_empty_name(rc):
    """null coerces to "" (not the text "None"); no entry has an empty uid."""
    rc.configure_ldap()
    reply = requests.post(rc.api("ldap.testSearch"), json={"username": None}, headers=rc.admin, timeout=10)
    assert reply.status_code == 400
    assert reply.json() == {"success": False, "error": "LDAP_search_failed"}
    searches = [entry["line"] for entry in rc.sandbox.state()["log"] if "Search returned" in entry["line"]]
    assert searches and all(line.endswith("records for ") for line in searches), searches


def test_search_with_a_number_uses_its_javascript_text(rc):
    """10001.0 in JSON is the number 10001, whose text is "10001" (alice's uidNumber), not "10001.0"."""
    rc.configure_ldap(LDAP_User_Search_Field="uidNumber")
    reply = requests.post(rc.api("ldap.testSearch"), data='{"username": 10001.0}', headers=dict(
        rc.admin, **{"Content-Type": "application/json"}), timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"message": "LDAP_User_Found", "success": True}


def test_pat_bypass_flag_null_coerces_to_false(rc):
    reply = requests.post(rc.api("users.generatePersonalAccessToken"),
                          json={"tokenName": "coerced", "bypassTwoFactor": None}, headers=rc.admin, timeout=10)
    assert reply.status_code == 200, reply.text
    tokens = requests.get(rc.api("users.getPersonalAccessTokens"), headers=rc.admin, timeout=10).json()["tokens"]
    assert [t["bypassTwoFactor"] for t in tokens if t["name"] == "coerced"] == [False]
