"""ldap_check, ldap_test_connection and ldap_test_search run by real ansible-playbook against the
Rocket.Chat sandbox and a real slapd; and ldap_check's preview compared with what the sandbox's
own sync and login do for the same settings and users."""

import json

import pytest
import requests

from tests.integration.helpers import connection_vars, run_playbook

ROLE_MAP = {"rocket-admin": "admin", "manager": ["leader", "moderator"], "employee": "user"}


# --- helpers ------------------------------------------------------------------------------------

def run_tasks(sandbox, tasks, auth="admin", check=False):
    """Run ``tasks`` ([(module, args)]) in one playbook; returns (results, output)."""
    if auth == "admin":
        defaults = connection_vars(sandbox)
    else:
        defaults = dict(api_url=sandbox.url, api_username=sandbox.env["user_username"],
                        api_password=sandbox.env["user_password"])
    run = run_playbook([{"chatops.rocketchat." + module: args} for module, args in tasks],
                       module_defaults=defaults, check=check)
    return run.results, run.output


def save_settings(sandbox, settings):
    """Store settings in the sandbox through its bulk settings API (test set-up, not under test)."""
    body = {"settings": [{"_id": key, "value": value} for key, value in settings.items()]}
    response = requests.post(sandbox.url + "/api/v1/settings", json=body, headers=sandbox.admin_headers, timeout=30)
    assert response.status_code == 200, response.text


def directory_settings(sandbox, **extra):
    """The workspace's LDAP settings for the session slapd (StartTLS with the harness CA)."""
    env = sandbox.env
    settings = sandbox.ldap_connection_settings()
    settings.update(LDAP_Encryption="tls", LDAP_CA_Cert=env["ca_cert_pem"])
    settings.update(extra)
    return settings


def check_args(settings, **extra):
    """ldap_check arguments for ``settings`` through the raw ``settings`` option; the bind password goes in
    ``authentication.bind_password`` (no_log), since the raw map refuses it."""
    settings = dict(settings)
    args = {"settings": settings}
    if "LDAP_Authentication_Password" in settings:
        args["authentication"] = {"bind_password": settings.pop("LDAP_Authentication_Password")}
    args.update(extra)
    return args


def typed_options(info):
    """ldap_check's typed options (ldap_settings' structure) for the session slapd over StartTLS."""
    return {
        "enabled": True, "server_type": "other",
        "connection": {"host": info["host"], "port": info["port"], "encryption": "tls",
                       "ca_cert": info["ca_cert_pem"]},
        "authentication": {"enabled": True, "bind_dn": info["ldap_bind_dn"],
                           "bind_password": info["ldap_bind_password"]},
        "user_search": {"base_dn": info["ldap_base_dn"], "search_field": "uid"},
    }


def by_name(result):
    return dict((item["name"], item) for item in result["checks"])


# --- ldap_check --------------------------------------------------------------------------------

def test_ldap_check_typed_options_and_secrets(sandbox_clean, slapd):
    info = slapd.info
    typed = dict(typed_options(info), data_sync={"username_field": "uid"},
                 users=[{"username": "alice", "password": "alice-pass"}, {"username": "oscar"}])
    wrong = dict(typed, authentication=dict(typed["authentication"], bind_password="Wr0ng-Secret"),
                 users=[])
    (good, bad, never), output = run_tasks(sandbox_clean, [
        ("ldap_check", typed), ("ldap_check", wrong), ("ldap_check", dict(typed, fail_on="never"))])
    assert good["failed"] is True and good["changed"] is False  # oscar has no e-mail
    checks = by_name(good)
    assert checks["bind"]["status"] == "ok" and checks["encryption"]["status"] == "ok"
    assert checks["user oscar: mapping"]["status"] == "fail"
    assert good["users"][0]["rocketchat"]["email"] == "alice@example.org"
    assert good["users"][0]["login"] is True
    assert good["summary"]["fail"] == 1
    assert by_name(bad)["bind"]["status"] == "fail" and bad["failed"] is True
    assert never.get("failed") is not True and never["summary"]["fail"] == 1
    for secret in (info["ldap_bind_password"], "Wr0ng-Secret", "alice-pass"):
        assert secret not in output
        assert secret not in json.dumps([good, bad, never])
    # source: options sends nothing to Rocket.Chat
    assert sandbox_clean.requests() == [] or all(r["path"] == "/api/info" for r in sandbox_clean.requests())


def test_ldap_check_from_options_needs_no_connection_options(slapd):
    typed = dict(typed_options(slapd.info), fail_on="never")
    run = run_playbook([{"chatops.rocketchat.ldap_check": typed},
                        {"chatops.rocketchat.ldap_check": {"source": "workspace"}},
                        {"chatops.rocketchat.ldap_check": dict(typed, settings={"LDAP_Search_Page_Size": "big"})}])
    from_options, from_workspace, bad_raw = run.results
    assert from_options.get("failed") is not True, from_options
    assert by_name(from_options)["bind"]["status"] == "ok"
    assert from_workspace["failed"] is True and from_workspace["invalid"] == ["api_url"]
    assert "source=workspace needs a Rocket.Chat connection: set api_url" in from_workspace["msg"]
    assert bad_raw["failed"] is True and bad_raw["invalid"] == ["settings.LDAP_Search_Page_Size"]
    assert "settings.LDAP_Search_Page_Size: expected an integer" in bad_raw["msg"] and "accepted: integers" in bad_raw["msg"]


def test_ldap_check_reads_the_workspace_and_overrides(sandbox_clean):
    save_settings(sandbox_clean, directory_settings(sandbox_clean))
    sandbox_clean.clear_requests()
    (saved, candidate), output = run_tasks(sandbox_clean, [
        ("ldap_check", {"source": "workspace", "users": [{"username": "alice"}]}),
        ("ldap_check", {"source": "workspace", "user_search": {"base_dn": "ou=gone,dc=example,dc=org"}}),
    ], check=True)
    assert saved.get("failed") is not True, saved["msg"]
    assert by_name(saved)["bind"]["status"] == "ok"  # the stored password was used
    assert saved["users"][0]["found"] is True
    assert by_name(candidate)["base DN: users"]["status"] == "fail"
    assert sandbox_clean.env["ldap_bind_password"] not in output
    assert not any(r["wrote"] for r in sandbox_clean.requests())


def test_ldap_check_on_a_masking_server_says_what_it_could_not_read_instead_of_checking_empty_values(sandbox_clean):
    sandbox_clean.config(mask_secrets=True)
    save_settings(sandbox_clean, directory_settings(sandbox_clean))
    password = sandbox_clean.env["ldap_bind_password"]
    dn = sandbox_clean.env["ldap_bind_dn"]
    (hidden, given), output = run_tasks(sandbox_clean, [
        ("ldap_check", {"source": "workspace", "fail_on": "never"}),
        ("ldap_check", {"source": "workspace", "authentication": {"bind_dn": dn, "bind_password": password},
                        "connection": {"ca_cert": sandbox_clean.env["ca_cert_pem"]}}),
    ])
    items = by_name(hidden)
    assert "LDAP_Authentication_UserDN" in items["workspace"]["detail"], hidden
    assert "authentication.bind_dn" in items["workspace"]["detail"] and "connection.ca_cert" in items["workspace"]["detail"]
    assert items["directory"]["status"] == "warn" and "not checked" in items["directory"]["detail"], hidden
    assert "bind" not in items and not any("is empty" in i["detail"] for i in hidden["checks"]), hidden
    assert given.get("failed") is not True, given
    assert by_name(given)["bind"]["status"] == "ok" and "workspace" not in by_name(given), given
    assert password not in output


def test_ldap_check_warns_only_about_unknown_roles_in_groups_the_task_does_not_manage(sandbox_clean, slapd):
    # A fresh workspace keeps Rocket.Chat's default map, whose "tech-support: support" names a role that does
    # not exist: the role's preflight (role_mapping from the inventory) must not fail on it every run.
    save_settings(sandbox_clean, directory_settings(sandbox_clean))
    role_mapping = {"enabled": True, "base_dn": slapd.info["groups_dn"],
                    "mappings": [{"group": "rocket-admin", "roles": ["admin"]}]}
    (preflight, whole), _ = run_tasks(sandbox_clean, [
        ("ldap_check", {"source": "workspace", "role_mapping": role_mapping}),
        ("ldap_check", {"source": "workspace", "role_mapping": {"enabled": True, "base_dn": slapd.info["groups_dn"]},
                        "fail_on": "never"}),
    ])
    assert preflight.get("failed") is not True, preflight.get("msg")
    item = by_name(preflight)["roles mapping"]
    assert item["status"] == "warn" and "support (group tech-support)" in item["detail"], item
    assert by_name(whole)["roles mapping"]["status"] == "fail"  # the whole map is the task's to check


def test_ldap_check_over_granting_role_filter_fails(sandbox_clean, slapd):
    settings = directory_settings(sandbox_clean, LDAP_Sync_User_Data_Roles=True,
                                  LDAP_Sync_User_Data_Roles_BaseDN=slapd.info["groups_dn"],
                                  LDAP_Sync_User_Data_Roles_Filter="(&(objectClass=posixGroup)(memberUid=#{username}))",
                                  LDAP_Sync_User_Data_RolesMap=json.dumps(ROLE_MAP))
    (result,), _ = run_tasks(sandbox_clean, [("ldap_check", check_args(settings))])
    assert result["failed"] is True
    assert "every user matching it" in by_name(result)["roles mapping"]["detail"]


# --- agreement with the sandbox's sync and login -------------------------------------------------

AGREEMENT_USERS = ["alice", "bob", "frank", "heidi", "mallory", "oscar", "victor", "zoe"]


def test_preview_agrees_with_the_sandbox_sync_and_login(sandbox_clean, slapd):
    settings = directory_settings(
        sandbox_clean,
        LDAP_Group_Filter_Enable=True, LDAP_Group_Filter_Group_Member_Format="#{userdn}",
        LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_Roles_BaseDN=slapd.info["groups_dn"],
        LDAP_Sync_User_Data_RolesMap=json.dumps(ROLE_MAP),
        LDAP_Background_Sync=True, LDAP_Sync_User_Active_State="disable")
    save_settings(sandbox_clean, settings)
    users = [{"username": name, "password": "%s-pass" % name} for name in AGREEMENT_USERS]
    users[3]["password"] = "not-heidis-password"
    (preview,), _ = run_tasks(sandbox_clean, [
        ("ldap_check", {"source": "workspace", "users": users, "fail_on": "never"})])

    synced = requests.post(sandbox_clean.url + "/api/v1/ldap.syncNow", json={},
                           headers=sandbox_clean.admin_headers, timeout=60)
    assert synced.status_code == 200, synced.text
    state = dict((user["username"], user) for user in sandbox_clean.state()["users"] if user.get("ldap"))

    checks = by_name(preview)
    imported = 0
    for user in preview["users"]:
        name = user["username"]
        rejected = (checks["user %s: mapping" % name]["status"] == "fail"
                    or checks["user %s: group filter" % name]["status"] == "fail")
        expected = user["rocketchat"]
        if rejected:
            assert expected["username"] not in state, name
            continue
        imported += 1
        actual = state[expected["username"]]
        assert [e["address"] for e in actual["emails"]] == [expected["email"]], name
        assert actual["name"] == expected["name"], name
        assert actual["services"]["ldap"]["id"] == expected["unique_id"], name
        assert actual["services"]["ldap"]["idAttribute"] == expected["unique_id_attribute"], name
        assert set(actual["roles"]) == set(user["roles"]) | {"user"}, name
        disabled = checks["user %s: state" % name]["status"] == "warn"
        assert actual["active"] is not disabled, name
    assert imported == len(AGREEMENT_USERS) - 2  # only oscar (no e-mail) and victor (group filter) are left out

    for user, given in zip(preview["users"], users):
        login = requests.post(sandbox_clean.url + "/api/v1/login", timeout=30,
                              json={"user": given["username"], "password": given["password"]})
        # A failed LDAP login falls back to a local login, which these users do not have.
        expected_login = user["login"] and checks["user %s: mapping" % given["username"]]["status"] != "fail"
        assert (login.status_code == 200) == expected_login, (given["username"], login.text)


# --- ldap_test_connection and ldap_test_search ----------------------------------------------------

@pytest.mark.parametrize("version", ["8.8.1", "9.0.0"])
def test_server_tests_succeed(sandbox_clean, version):
    sandbox_clean.config(version=version)
    save_settings(sandbox_clean, directory_settings(sandbox_clean))
    sandbox_clean.clear_requests()
    (connection, search), output = run_tasks(sandbox_clean, [
        ("ldap_test_connection", {}),
        ("ldap_test_search", {"users": [{"username": "alice"}, {"username": "nobody", "expect": "not_found"}]}),
    ], check=True)
    assert connection.get("failed") is not True, connection
    assert connection["changed"] is False and connection["message"] == "LDAP_Connection_successful"
    assert connection["bind_verified"] is (version.startswith("9"))
    warned = "password were not verified" in " ".join(output.split())
    assert warned is (not version.startswith("9"))
    assert search.get("failed") is not True, search
    assert [(r["username"], r["result"], r["ok"], r["verified"]) for r in search["results"]] == [
        ("alice", "found", True, True), ("nobody", "not_found", True, True)]
    assert not any(r["wrote"] for r in sandbox_clean.requests())


def test_8x_connection_test_passes_with_a_wrong_bind_password_and_ldap_check_catches_it(sandbox_clean):
    settings = directory_settings(sandbox_clean, LDAP_Authentication_Password="wrong-bind-password")
    save_settings(sandbox_clean, settings)
    (connection, check), _ = run_tasks(sandbox_clean, [
        ("ldap_test_connection", {}), ("ldap_check", {"source": "workspace"})])
    assert connection.get("failed") is not True and connection["bind_verified"] is False
    assert check["failed"] is True and by_name(check)["bind"]["status"] == "fail"


@pytest.mark.parametrize("version, verified", [("8.8.1", False), ("9.0.0", True)])
def test_not_found_is_unverified_before_9_0_unless_a_canary_proves_the_bind(sandbox_clean, version, verified):
    sandbox_clean.config(version=version)
    save_settings(sandbox_clean, directory_settings(sandbox_clean))
    (alone, with_canary), _ = run_tasks(sandbox_clean, [
        ("ldap_test_search", {"users": [{"username": "nobody", "expect": "not_found"}]}),
        ("ldap_test_search", {"users": [{"username": "alice"}, {"username": "nobody", "expect": "not_found"}]}),
    ])
    assert alone.get("failed") is not True and alone["results"][0]["verified"] is verified, alone
    assert any("unverified" in w and "ldap_check" in w for w in alone.get("warnings", [])) is not verified
    assert [r["verified"] for r in with_canary["results"]] == [True, True]
    assert not any("unverified" in w for w in with_canary.get("warnings", [])), with_canary

    if version.startswith("9"):
        return  # 9.0's connection test fails on a wrong bind, so no search runs at all
    save_settings(sandbox_clean, {"LDAP_Authentication_Password": "wrong-bind-password"})
    (wrong_bind,), _ = run_tasks(sandbox_clean, [
        ("ldap_test_search", {"users": [{"username": "nobody", "expect": "not_found"}]})])
    # The search fails because of the bind, yet reads as the expected "not found": passed, but unverified.
    assert wrong_bind.get("failed") is not True and wrong_bind["results"][0]["verified"] is False, wrong_bind
    assert "unverified" in wrong_bind["msg"] and any("ldap_check" in w for w in wrong_bind["warnings"])


def test_server_test_failures_are_explained(sandbox_clean):
    save_settings(sandbox_clean, directory_settings(sandbox_clean, LDAP_Port=1))
    (failed_connection, unexpected, nobody), _ = run_tasks(sandbox_clean, [
        ("ldap_test_connection", {}),
        ("ldap_test_search", {"usernames": ["alice"]}),
        ("ldap_test_search", {"usernames": []}),
    ])
    assert nobody["failed"] is True and nobody["invalid"] == ["users", "usernames"]
    assert failed_connection["failed"] is True and failed_connection["server_error"] == "Connection_failed"
    assert "ldap_check" in failed_connection["msg"]
    assert unexpected["failed"] is True and unexpected["server_error"] == "Connection_failed"

    save_settings(sandbox_clean, directory_settings(sandbox_clean))
    (search,), _ = run_tasks(sandbox_clean, [
        ("ldap_test_search", {"users": [{"username": "alice", "expect": "not_found"},
                                        {"username": "nobody"}]})])
    assert search["failed"] is True
    assert [(r["result"], r["ok"]) for r in search["results"]] == [("found", False), ("not_found", False)]
    assert search["results"][1]["server_error"] == "LDAP_search_failed"

    save_settings(sandbox_clean, {"LDAP_Enable": False})
    (disabled,), _ = run_tasks(sandbox_clean, [("ldap_test_connection", {})])
    assert disabled["failed"] is True and disabled["server_error"] == "LDAP_disabled"
    assert "ldap_settings" in disabled["meaning"]


def test_server_tests_without_permission(sandbox_clean):
    save_settings(sandbox_clean, directory_settings(sandbox_clean))
    (connection, search), _ = run_tasks(sandbox_clean, [
        ("ldap_test_connection", {}), ("ldap_test_search", {"usernames": ["alice"]})], auth="user")
    for result in (connection, search):
        assert result["failed"] is True and result["status"] == 403
        assert "test-admin-options" in result["msg"]


def test_server_tests_on_9_without_licence(sandbox_clean):
    save_settings(sandbox_clean, directory_settings(sandbox_clean))
    sandbox_clean.config(version="9.0.0", license="none")
    (connection,), _ = run_tasks(sandbox_clean, [("ldap_test_connection", {})])
    assert connection["failed"] is True and connection["server_error"] == "error-action-not-allowed"
    assert "ldap-enterprise" in connection["meaning"]
