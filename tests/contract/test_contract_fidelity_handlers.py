"""Handler behaviour a differential run against Rocket.Chat 8.8 found the sandbox getting wrong (issue 10).

The sources: PasswordCheckFallback.processInvalidCode and getMethodByNameOrFirstActiveForUser
(apps/meteor/app/2fa/server/code/), findChannelByIdOrName, getPaginationItems, users.info's and
users.list's handlers (apps/meteor/server/api/v1/users.ts), saveSettingsBulk's Organization_Name rule.
"""

import requests

from tests.contract.conftest import password_2fa


def _post_setting(rc, setting_id, value, headers):
    return requests.post(rc.api(f"settings/{setting_id}"), json={"value": value}, headers=headers, timeout=10)


def test_password_fallback_challenge_says_no_code_was_generated(rc):
    rc.require_2fa("password")
    reply = _post_setting(rc, "LDAP_Host", "x.example.org", rc.admin_login())
    assert reply.status_code == 400
    assert reply.json()["details"] == {"method": "password", "codeGenerated": False, "availableMethods": []}


def test_a_named_method_the_user_has_not_enabled_is_still_used(rc):
    """x-2fa-method: totp without TOTP enabled: the server picks totp, whose verify() refuses any code."""
    rc.require_2fa("password")
    headers = rc.admin_login()
    asked = _post_setting(rc, "LDAP_Host", "x.example.org", {**headers, "x-2fa-method": "totp", "x-2fa-code": "123456"})
    assert asked.status_code == 400
    assert asked.json()["errorType"] == "totp-invalid"
    assert asked.json()["details"]["method"] == "totp"
    assert rc.get_setting("LDAP_Host") == ""
    # the password fallback still works when asked for by its code
    good = _post_setting(rc, "LDAP_Host", "x.example.org", {**headers, **password_2fa(rc.env["admin_password"])})
    assert good.status_code == 200, good.text


def test_channel_lookup_with_a_blank_room_names_the_parameters(rc):
    """The schema wants exactly one of roomId/roomName; findChannelByIdOrName refuses a blank one."""
    reply = requests.get(rc.api("channels.info"), params={}, headers=rc.admin, timeout=10)
    assert reply.status_code == 400
    assert reply.json()["errorType"] == "error-invalid-params"
    reply = requests.get(rc.api("channels.info"), params={"roomName": " "}, headers=rc.admin, timeout=10)
    assert reply.status_code == 400
    assert reply.json()["errorType"] == "error-roomid-param-not-provided"


def test_users_info_with_an_empty_username(rc):
    reply = requests.get(rc.api("users.info"), params={"username": ""}, headers=rc.admin, timeout=10)
    assert reply.status_code == 400
    assert reply.json() == {"success": False, "error": "Invalid search query."}


def test_users_list_is_ordered_by_username_and_filters_by_email(rc):
    reply = requests.get(rc.api("users.list"), headers=rc.admin, timeout=10)
    assert reply.status_code == 200, reply.text
    names = [u["username"] for u in reply.json()["users"]]
    assert names == sorted(names) and len(names) >= 2
    user = rc.user_info(rc.env["user_username"]).json()["user"]
    address = user["emails"][0]["address"]
    reply = requests.get(rc.api("users.list"), params={"email": address.upper()}, headers=rc.admin, timeout=10)
    assert [u["username"] for u in reply.json()["users"]] == [rc.env["user_username"]]


def test_count_infinity_passes_the_schema_and_pages_by_default(rc):
    """"Infinity" coerces to a number; parseInt gives NaN, read as no count (was a 500)."""
    reply = requests.get(rc.api("settings"), params={"count": "Infinity"}, headers=rc.admin, timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.json()["count"] == 50
    for bad in ("NaN", "inf", "1_000"):
        reply = requests.get(rc.api("settings"), params={"count": bad}, headers=rc.admin, timeout=10)
        assert reply.status_code == 400
        assert reply.json() == {"success": False, "errorType": "error-invalid-params", "error": "must be number"}


def test_site_name_follows_the_organisation_while_they_are_equal(rc):
    def bulk(values):
        reply = requests.post(rc.api("settings"), json={"settings": [{"_id": k, "value": v} for k, v in values.items()]},
                              headers=rc.admin, timeout=10)
        assert reply.status_code == 200, reply.text

    bulk({"Organization_Name": "Acme", "Site_Name": "Acme"})
    bulk({"Organization_Name": "Acme Corp"})
    assert rc.get_setting("Site_Name") == "Acme Corp"
    bulk({"Site_Name": "Chat"})
    bulk({"Organization_Name": "Other"})
    assert rc.get_setting("Site_Name") == "Chat"
