"""The sandbox's test-only routes under /_sandbox/ (docs/dev/layout.md): request log, reset, faults."""

import time

import pytest
import requests


def entries_for(log, path):
    return [entry for entry in log if entry["path"] == path]


class TestRequestLog:
    def test_entries_and_wrote_flag(self, rc):
        requests.delete(f"{rc.url}/_sandbox/requests", timeout=10)
        requests.get(rc.api("me"), headers=rc.admin, timeout=10)
        requests.post(rc.api("settings/LDAP_Host"), json={"value": "log.example.org"}, headers=rc.admin, timeout=10)
        requests.post(rc.api("settings/Not_A_Setting"), json={"value": "x"}, headers=rc.admin, timeout=10)
        log = rc.sandbox_log()
        for entry in log:
            assert set(entry) >= {"method", "path", "status", "wrote"}
        me = entries_for(log, "/api/v1/me")
        assert [(e["method"], e["status"], e["wrote"]) for e in me] == [("GET", 200, False)]
        write = entries_for(log, "/api/v1/settings/LDAP_Host")
        assert [(e["method"], e["status"], e["wrote"]) for e in write] == [("POST", 200, True)]
        failed = entries_for(log, "/api/v1/settings/Not_A_Setting")
        assert [(e["method"], e["status"], e["wrote"]) for e in failed] == [("POST", 400, False)]
        assert [e["path"] for e in log if e["path"].startswith("/api")] == [
            "/api/v1/me", "/api/v1/settings/LDAP_Host", "/api/v1/settings/Not_A_Setting"]

    def test_same_value_again_does_not_write(self, rc):
        rc.set_setting("LDAP_Port", 1389)
        requests.delete(f"{rc.url}/_sandbox/requests", timeout=10)
        rc.set_setting("LDAP_Port", 1389)
        (entry,) = entries_for(rc.sandbox_log(), "/api/v1/settings/LDAP_Port")
        assert entry["status"] == 200
        assert entry["wrote"] is False

    def test_bulk_write_is_logged_as_write(self, rc):
        requests.delete(f"{rc.url}/_sandbox/requests", timeout=10)
        requests.post(rc.api("settings"), json={"settings": [{"_id": "LDAP_Host", "value": "b.example.org"}]},
                      headers=rc.admin, timeout=10)
        (entry,) = entries_for(rc.sandbox_log(), "/api/v1/settings")
        assert (entry["method"], entry["status"], entry["wrote"]) == ("POST", 200, True)

    def test_clear(self, rc):
        requests.get(rc.api("me"), headers=rc.admin, timeout=10)
        reply = requests.delete(f"{rc.url}/_sandbox/requests", timeout=10)
        assert reply.status_code in (200, 204)
        assert [e for e in rc.sandbox_log() if e["path"].startswith("/api")] == []


class TestReset:
    def test_settings_and_tokens_back(self, rc):
        rc.set_setting("LDAP_Host", "changed.example.org")
        login = rc.admin_login()
        reply = requests.post(f"{rc.url}/_sandbox/reset", timeout=30)
        assert reply.status_code in (200, 204)
        assert rc.get_setting("LDAP_Host") == ""
        # The admin PAT survives; ordinary login tokens do not (users back to the built-ins).
        assert requests.get(rc.api("me"), headers=rc.admin, timeout=10).status_code == 200
        assert requests.get(rc.api("me"), headers=login, timeout=10).status_code == 401

    def test_users_back_to_builtins(self, rc):
        rc.configure_ldap()
        assert requests.post(rc.api("login"), json={"user": "alice", "password": "alice-pass"},
                             timeout=30).status_code == 200
        assert rc.user_info("alice").status_code == 200
        requests.post(f"{rc.url}/_sandbox/reset", timeout=30)
        assert rc.user_info("alice").status_code == 400

    def test_state_route(self, rc):
        state = requests.get(f"{rc.url}/_sandbox/state", timeout=10)
        assert state.status_code == 200
        body = state.json()
        assert {"settings", "users", "channels", "teams"} <= set(body)
        usernames = {user["username"] for user in body["users"]}
        assert {rc.env["admin_username"], rc.env["user_username"], "rocket.cat"} <= usernames


class TestFaults:
    def fault(self, rc, **spec):
        reply = requests.post(f"{rc.url}/_sandbox/faults", json=spec, timeout=10)
        assert reply.status_code in (200, 201, 204), reply.text

    def test_status_fault_for_n_times(self, rc):
        self.fault(rc, route="/api/v1/me", method="GET", kind="status", status=503, times=2)
        statuses = [requests.get(rc.api("me"), headers=rc.admin, timeout=10).status_code for _ in range(3)]
        assert statuses == [503, 503, 200]

    def test_fault_matches_method(self, rc):
        self.fault(rc, route="/api/v1/settings", method="POST", kind="status", status=502, times=1)
        assert requests.get(rc.api("settings"), headers=rc.admin, timeout=10).status_code == 200
        reply = requests.post(rc.api("settings"), json={"settings": [{"_id": "LDAP_Host", "value": "f.example.org"}]},
                              headers=rc.admin, timeout=10)
        assert reply.status_code == 502
        assert rc.get_setting("LDAP_Host") == ""

    def test_delay(self, rc):
        self.fault(rc, route="/api/v1/me", method="GET", kind="delay", seconds=0.6, times=1)
        started = time.monotonic()
        reply = requests.get(rc.api("me"), headers=rc.admin, timeout=10)
        assert time.monotonic() - started >= 0.6
        assert reply.status_code == 200

    def test_drop(self, rc):
        self.fault(rc, route="/api/v1/me", method="GET", kind="drop", times=1)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(rc.api("me"), headers=rc.admin, timeout=10)
        assert requests.get(rc.api("me"), headers=rc.admin, timeout=10).status_code == 200

    def test_ratelimit(self, rc):
        self.fault(rc, route="/api/v1/me", method="GET", kind="ratelimit", times=1)
        reply = requests.get(rc.api("me"), headers=rc.admin, timeout=10)
        assert reply.status_code == 429
        assert reply.json()["success"] is False
        assert reply.json()["error"].endswith("[error-too-many-requests]")
        assert requests.get(rc.api("me"), headers=rc.admin, timeout=10).status_code == 200

    def test_clear(self, rc):
        self.fault(rc, route="/api/v1/me", method="GET", kind="status", status=503, times=5)
        assert requests.delete(f"{rc.url}/_sandbox/faults", timeout=10).status_code in (200, 204)
        assert requests.get(rc.api("me"), headers=rc.admin, timeout=10).status_code == 200

    def test_reset_clears_faults(self, rc):
        self.fault(rc, route="/api/v1/me", method="GET", kind="status", status=503, times=5)
        requests.post(f"{rc.url}/_sandbox/reset", timeout=30)
        assert requests.get(rc.api("me"), headers=rc.admin, timeout=10).status_code == 200
