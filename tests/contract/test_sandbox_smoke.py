"""Quick checks that the sandbox process, its fixtures and its test-only routes work end to end.
The contract itself is covered by the other test_contract_*.py files."""

import hashlib
import json
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.sandbox.rocketchat.launcher import REPO_ROOT, pid_alive
from tests.sandbox.rocketchat.twofactor import totp_code


def api(sandbox, method, path, headers=None, **kwargs):
    return requests.request(method, sandbox.url + path, headers=headers, timeout=30, **kwargs)


def test_env_has_what_a_client_needs(sandbox):
    for key in ("rocketchat_url", "admin_username", "admin_password", "admin_user_id", "admin_token",
                "user_username", "user_password", "ldap_uri", "ldaps_uri", "ldap_base_dn", "ldap_bind_dn",
                "ldap_bind_password", "ca_cert_path"):
        assert sandbox.env.get(key), key


def test_login_me_logout_round_trip(sandbox_clean):
    sb = sandbox_clean
    reply = api(sb, "POST", "/api/v1/login", json={"user": sb.env["user_username"],
                                                   "password": sb.env["user_password"]})
    assert reply.status_code == 200
    assert reply.headers["Cache-Control"] == "no-store" and reply.headers["Pragma"] == "no-cache"
    data = reply.json()["data"]
    headers = {"X-User-Id": data["userId"], "X-Auth-Token": data["authToken"]}
    me = api(sb, "GET", "/api/v1/me", headers).json()
    assert me["username"] == sb.env["user_username"] and "services" not in me
    assert api(sb, "POST", "/api/v1/logout", headers).status_code == 200
    assert api(sb, "GET", "/api/v1/me", headers).status_code == 401


def test_request_log_marks_writes_and_reset_restores_defaults(sandbox_clean):
    sb = sandbox_clean
    sb.clear_requests()
    assert api(sb, "POST", "/api/v1/settings/LDAP_Host", sb.admin_headers, json={"value": "ldap.test"}).json() \
        == {"success": True}
    api(sb, "POST", "/api/v1/settings/LDAP_Host", sb.admin_headers, json={"value": "ldap.test"})
    log = sb.requests()
    assert [(e["method"], e["path"], e["status"], e["wrote"]) for e in log] == [
        ("POST", "/api/v1/settings/LDAP_Host", 200, True), ("POST", "/api/v1/settings/LDAP_Host", 200, False)]
    sb.reset()
    assert sb.requests() == []
    assert api(sb, "GET", "/api/v1/settings/LDAP_Host", sb.admin_headers).json()["value"] == ""
    # the admin PAT survives the reset
    assert api(sb, "GET", "/api/v1/me", sb.admin_headers).status_code == 200


def test_faults_status_drop_ratelimit_delay(sandbox_clean):
    sb = sandbox_clean
    sb.fault("/api/v1/me", "status", status=503, times=1)
    assert api(sb, "GET", "/api/v1/me", sb.admin_headers).status_code == 503
    assert api(sb, "GET", "/api/v1/me", sb.admin_headers).status_code == 200
    sb.fault("/api/v1/me", "drop", times=1)
    with pytest.raises(requests.ConnectionError):
        api(sb, "GET", "/api/v1/me", sb.admin_headers)
    sb.fault("/api/v1/me", "ratelimit", seconds=2, times=1)
    limited = api(sb, "GET", "/api/v1/me", sb.admin_headers)
    assert limited.status_code == 429 and int(limited.headers["X-RateLimit-Reset"]) > time.time() * 1000
    sb.fault("/api/v1/me", "delay", seconds=0.3, times=1)
    started = time.monotonic()
    assert api(sb, "GET", "/api/v1/me", sb.admin_headers).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_rate_limiter_counts_plain_callers_not_admins(sandbox_clean):
    sb = sandbox_clean
    sb.config(rate_limiter=True)
    statuses = [api(sb, "POST", "/api/v1/login", json={"user": "nobody", "password": "x"}).status_code
                for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    admin = [api(sb, "GET", "/api/v1/me", sb.admin_headers) for _ in range(12)]
    assert all(r.status_code == 200 and "X-RateLimit-Limit" not in r.headers for r in admin)


def test_totp_two_factor_on_a_setting_write(sandbox_clean):
    sb = sandbox_clean
    sb.config(two_factor="totp")
    login = api(sb, "POST", "/api/v1/login", json={"user": "admin", "password": sb.env["admin_password"]})
    assert login.status_code == 401 and login.json()["error"] == "totp-required"
    code = totp_code(sb.env["admin_totp_secret"])
    login = api(sb, "POST", "/api/v1/login", json={"user": "admin", "password": sb.env["admin_password"],
                                                    "code": code})
    data = login.json()["data"]
    headers = {"X-User-Id": data["userId"], "X-Auth-Token": data["authToken"]}
    denied = api(sb, "POST", "/api/v1/settings/LDAP_Host", headers, json={"value": "x"})
    assert denied.status_code == 400 and denied.json()["errorType"] == "totp-required"
    ok = api(sb, "POST", "/api/v1/settings/LDAP_Host", dict(headers, **{"x-2fa-code": code, "x-2fa-method": "totp"}),
             json={"value": "x"})
    assert ok.json() == {"success": True}
    # the bypass PAT needs no code
    assert api(sb, "POST", "/api/v1/settings/LDAP_Host", sb.admin_headers, json={"value": "y"}).status_code == 200


def test_password_fallback_on_method_call_save_settings(sandbox_clean):
    sb = sandbox_clean
    sb.config(two_factor="password", version="8.5.0")
    login = api(sb, "POST", "/api/v1/login", json={"user": "admin", "password": sb.env["admin_password"]}).json()
    headers = {"X-User-Id": login["data"]["userId"], "X-Auth-Token": login["data"]["authToken"]}
    frame = {"msg": "method", "id": "7", "method": "saveSettings", "params": [[{"_id": "LDAP_Port", "value": 636}]]}
    reply = api(sb, "POST", "/api/v1/method.call/saveSettings", headers, json={"message": json.dumps(frame)})
    assert reply.status_code == 400
    assert json.loads(reply.json()["message"])["error"]["error"] == "totp-required"
    digest = hashlib.sha256(sb.env["admin_password"].encode()).hexdigest()
    frame["params"].append({"twoFactorCode": digest, "twoFactorMethod": "password"})
    reply = api(sb, "POST", "/api/v1/method.call/saveSettings", headers, json={"message": json.dumps(frame)})
    assert json.loads(reply.json()["message"]) == {"msg": "result", "id": "7", "result": True}
    assert sb.state()["settings"] and api(sb, "GET", "/api/v1/settings/LDAP_Port", sb.admin_headers).json()["value"] == 636


def test_ldap_routes_reach_the_session_slapd(sandbox_clean):
    sb = sandbox_clean
    settings = dict(sb.ldap_connection_settings(), LDAP_Background_Sync=True)
    reply = api(sb, "POST", "/api/v1/settings", sb.admin_headers,
                json={"settings": [{"_id": k, "value": v} for k, v in settings.items()]})
    assert reply.json() == {"success": True}
    assert api(sb, "POST", "/api/v1/ldap.testConnection", sb.admin_headers).json() == {
        "message": "LDAP_Connection_successful", "success": True}
    found = api(sb, "POST", "/api/v1/ldap.testSearch", sb.admin_headers, json={"username": sb.env["sample_user"]})
    assert found.json() == {"message": "LDAP_User_Found", "success": True}
    login = api(sb, "POST", "/api/v1/login", json={"user": sb.env["sample_user"], "password": sb.env["sample_password"]})
    assert login.status_code == 200, login.text
    user = api(sb, "GET", "/api/v1/users.info", sb.admin_headers, params={"username": sb.env["sample_user"]}).json()
    assert user["user"]["ldap"] is True
    assert api(sb, "POST", "/api/v1/ldap.syncNow", sb.admin_headers).json()["message"] == "Sync_in_progress"
    assert len(sb.state()["users"]) > 10


TEAMS_MAP = "LDAP_Groups_To_Rocket_Chat_Teams"
TEAMS_MAP_INVALID = {"success": False, "errorType": "error-setting-validation-failed"}


@pytest.mark.parametrize("value", ['{"Sales": "sales"}', '{"Sales": ["sales", 7]}', '{"Sales": []}', '["sales"]',
                                   "{not json", {"Sales": ["sales"]}])
def test_teams_map_validation_on_the_single_post(sandbox_clean, value):
    """§6.4: the teams map's values must be arrays of strings; §5.3: a failed validation rule is 400
    error-setting-validation-failed and nothing is stored."""
    sb = sandbox_clean
    reply = api(sb, "POST", "/api/v1/settings/" + TEAMS_MAP, sb.admin_headers, json={"value": value})
    assert reply.status_code == 400
    body = reply.json()
    assert {k: body[k] for k in TEAMS_MAP_INVALID} == TEAMS_MAP_INVALID and body["error"]
    assert api(sb, "GET", "/api/v1/settings/" + TEAMS_MAP, sb.admin_headers).json()["value"] == "{}"


def test_teams_map_validation_on_the_bulk_post_and_not_in_save_settings(sandbox_clean):
    sb = sandbox_clean
    good = '{"Sales": ["support"], "Engineering": ["engineering", "support"]}'
    for value in (good, ""):
        assert api(sb, "POST", "/api/v1/settings/" + TEAMS_MAP, sb.admin_headers,
                   json={"value": value}).json() == {"success": True}
    # §5.4: all checks run before any write, so the valid item in the same batch is not stored either
    reply = api(sb, "POST", "/api/v1/settings", sb.admin_headers, json={"settings": [
        {"_id": "LDAP_Host", "value": "ldap.bulk.test"}, {"_id": TEAMS_MAP, "value": '{"Sales": "support"}'}]})
    assert reply.status_code == 400
    assert {k: reply.json()[k] for k in TEAMS_MAP_INVALID} == TEAMS_MAP_INVALID
    assert api(sb, "GET", "/api/v1/settings/LDAP_Host", sb.admin_headers).json()["value"] == ""
    assert api(sb, "POST", "/api/v1/settings", sb.admin_headers,
               json={"settings": [{"_id": TEAMS_MAP, "value": good}]}).json() == {"success": True}
    # §5.5: the saveSettings method has type checks but no validation-rules step
    frame = {"msg": "method", "id": "1", "method": "saveSettings",
             "params": [[{"_id": TEAMS_MAP, "value": '{"Sales": "support"}'}]]}
    reply = api(sb, "POST", "/api/v1/method.call/saveSettings", sb.admin_headers, json={"message": json.dumps(frame)})
    assert json.loads(reply.json()["message"]).get("result") is True
    assert api(sb, "GET", "/api/v1/settings/" + TEAMS_MAP, sb.admin_headers).json()["value"] == '{"Sales": "support"}'


def test_ldap_login_of_a_deactivated_user_is_refused(sandbox_clean):
    """§2.1: a login the LDAP handler accepted still fails when the Rocket.Chat user is deactivated.
    The body is §2.1's failure shape with Rocket.Chat's Meteor error for it: error-user-is-not-activated
    / "User is not activated" (details absent: the contract names none)."""
    sb = sandbox_clean
    settings = sb.ldap_connection_settings()
    write = {"settings": [{"_id": k, "value": v} for k, v in settings.items()]}
    assert api(sb, "POST", "/api/v1/settings", sb.admin_headers, json=write).json() == {"success": True}
    login_name = sb.env["sample_user"]
    credentials = {"user": login_name, "password": sb.env["sample_password"]}
    assert api(sb, "POST", "/api/v1/login", json=credentials).status_code == 200
    sb.set_user_active(login_name, False)
    for update_data in (True, False):            # whether or not the login re-syncs the user's data
        assert api(sb, "POST", "/api/v1/settings/LDAP_Update_Data_On_Login", sb.admin_headers,
                   json={"value": update_data}).json() == {"success": True}
        refused = api(sb, "POST", "/api/v1/login", json=credentials)
        assert refused.status_code == 401
        assert refused.json() == {"success": False, "status": "error", "error": "error-user-is-not-activated",
                                  "message": "User is not activated"}
    user = next(u for u in sb.state()["users"] if u["username"] == login_name)
    assert user["active"] is False and user["loginTokens"] == 1     # only the first login's token
    sb.set_user_active(login_name, True)
    assert api(sb, "POST", "/api/v1/login", json=credentials).status_code == 200


def test_sync_now_without_background_sync_does_nothing_and_answers_200(sandbox_clean):
    """§6.3/§6.4 (8.x): sync() returns at once unless LDAP_Background_Sync is on; the route still
    answers 200 Sync_in_progress, and nothing is imported or changed."""
    sb = sandbox_clean
    settings = dict(sb.ldap_connection_settings(), LDAP_Background_Sync=False,
                    LDAP_Background_Sync_Import_New_Users=True, LDAP_Background_Sync_Merge_Existent_Users=True)
    write = {"settings": [{"_id": k, "value": v} for k, v in settings.items()]}
    assert api(sb, "POST", "/api/v1/settings", sb.admin_headers, json=write).json() == {"success": True}
    users_before = sb.state()["users"]
    sb.clear_requests()
    reply = api(sb, "POST", "/api/v1/ldap.syncNow", sb.admin_headers)
    assert (reply.status_code, reply.json()) == (200, {"message": "Sync_in_progress", "success": True})
    assert sb.state()["users"] == users_before
    assert sb.requests() == [{"method": "POST", "path": "/api/v1/ldap.syncNow", "status": 200, "wrote": False}]
    # the same call with Background Sync on imports the directory
    assert api(sb, "POST", "/api/v1/settings/LDAP_Background_Sync", sb.admin_headers,
               json={"value": True}).json() == {"success": True}
    assert api(sb, "POST", "/api/v1/ldap.syncNow", sb.admin_headers).status_code == 200
    assert any(u["username"] == sb.env["sample_user"] and u.get("ldap") for u in sb.state()["users"])


def cli(*args):
    return subprocess.run([sys.executable, "-m", "tests.sandbox", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)


def test_cli_runs_a_second_sandbox_on_the_same_slapd(tmp_path):
    """`start --state-dir` runs independent sandboxes; `--ldap-from` makes one use another's slapd,
    and its `stop` leaves that slapd running. Nothing here touches the default .sandbox."""
    staging, prod = tmp_path / "sandbox", tmp_path / "sandbox" / "prod"
    started = cli("start", "--state-dir", str(staging))
    assert started.returncode == 0, started.stderr
    try:
        assert cli("start", "--state-dir", str(staging)).returncode == 1          # one sandbox per directory
        started = cli("start", "--state-dir", str(prod), "--ldap-from", str(staging / "env.json"),
                      "--version", "8.5.0", "--license", "none", "--mask-secrets", "--allow-unsafe-query-and-fields")
        assert started.returncode == 0, started.stderr
        assert "password" not in started.stdout.lower() and "token" not in started.stdout.lower()
        env_staging = json.loads((staging / "env.json").read_text())
        env_prod = json.loads((prod / "env.json").read_text())
        assert (prod / "env.json").stat().st_mode & 0o077 == 0
        assert env_prod["rocketchat_url"] != env_staging["rocketchat_url"]
        for key in ("ldap_uri", "ldaps_uri", "ldap_base_dn", "ldap_bind_dn", "ca_cert_path", "slapd_pid"):
            assert env_prod[key] == env_staging[key], key
        assert (env_staging["slapd_owned"], env_prod["slapd_owned"]) == (True, False)
        assert (env_staging["rocketchat_options"]["mask_secrets"], env_prod["rocketchat_options"]["mask_secrets"]) \
            == (False, True)
        assert (env_staging["rocketchat_options"]["allow_unsafe_query_and_fields"],
                env_prod["rocketchat_options"]["allow_unsafe_query_and_fields"]) == (False, True)
        assert requests.get(env_prod["rocketchat_url"] + "/api/info", timeout=10).json()["version"] == "8.5"
        assert requests.get(env_staging["rocketchat_url"] + "/api/info", timeout=10).json()["version"] == "8.8"
        assert cli("status", "--state-dir", str(prod)).returncode == 0
        # the workspaces are independent: a write to one does not show in the other
        headers = {"X-User-Id": env_prod["admin_user_id"], "X-Auth-Token": env_prod["admin_token"]}
        assert requests.post(env_prod["rocketchat_url"] + "/api/v1/settings/LDAP_Host", headers=headers,
                             json={"value": "prod.example"}, timeout=10).json() == {"success": True}
        assert requests.get(env_prod["rocketchat_url"] + "/api/v1/settings/LDAP_Authentication_Password",
                            headers=headers, timeout=10).json() == {
            "_id": "LDAP_Authentication_Password", "value": "", "hasValue": False, "success": True}
        staging_headers = {"X-User-Id": env_staging["admin_user_id"], "X-Auth-Token": env_staging["admin_token"]}
        assert requests.get(env_staging["rocketchat_url"] + "/api/v1/settings/LDAP_Host", headers=staging_headers,
                            timeout=10).json()["value"] == ""
        assert cli("stop", "--state-dir", str(prod)).returncode == 0
        assert not prod.exists()
        assert cli("status", "--state-dir", str(prod)).returncode == 1
        assert cli("status", "--state-dir", str(staging)).returncode == 0     # its slapd still runs
        with socket.create_connection(("localhost", env_staging["port"]), timeout=5):
            pass
    finally:
        cli("stop", "--state-dir", str(prod))
        cli("stop", "--state-dir", str(staging))
    assert not staging.exists()
    assert not pid_alive(env_staging["slapd_pid"]) and not pid_alive(env_prod["rocketchat_pid"])
    assert cli("start", "--state-dir", str(tmp_path / "other"), "--ldap-from", str(staging / "env.json")).returncode == 1
