"""Two-factor details a contract audit found the sandbox getting wrong (REST-CONTRACT.md §3)."""

import requests


def login(rc, **extra):
    return requests.post(rc.api("login"), json={"user": rc.env["admin_username"],
                                                "password": rc.env["admin_password"], **extra}, timeout=10)


def outbox(rc):
    return rc.sandbox.state()["emails"]


def test_email_2fa_only_the_first_challenge_sends_a_code(rc):
    """§3.2/§3.3: the first challenge e-mails a code; later ones, while it is valid, do not."""
    rc.require_2fa("email")
    first = login(rc)
    assert first.status_code == 401
    assert first.json()["error"] == "totp-required"
    assert first.json()["details"]["method"] == "email"
    assert first.json()["details"]["codeGenerated"] is True
    assert len(outbox(rc)) == 1

    again = login(rc)
    assert again.json()["error"] == "totp-required"
    details = again.json()["details"]
    assert details["codeGenerated"] is False
    assert details["codeCount"] == 1 and details["codeExpires"]
    assert details["availableMethods"] == ["email"]
    assert len(outbox(rc)) == 1

    wrong = login(rc, code="not-the-code")
    assert wrong.json()["error"] == "totp-invalid"
    assert wrong.json()["details"]["codeGenerated"] is False
    assert len(outbox(rc)) == 1

    right = login(rc, code=outbox(rc)[0]["code"])
    assert right.status_code == 200, right.text


def test_email_2fa_route_challenge_reuses_the_valid_code(rc):
    """§3.1: a route's challenge follows the same rule (settings/:_id is twoFactorRequired)."""
    rc.require_2fa("email")
    code_sent = login(rc)
    assert code_sent.json()["details"]["codeGenerated"] is True
    token = login(rc, code=outbox(rc)[0]["code"]).json()["data"]
    headers = {"X-User-Id": token["userId"], "X-Auth-Token": token["authToken"]}
    write = [requests.post(rc.api("settings/LDAP_Host"), json={"value": "x.example.org"}, headers=headers, timeout=10)
             for _ in range(2)]
    assert [reply.status_code for reply in write] == [400, 400]
    assert [reply.json()["details"]["codeGenerated"] for reply in write] == [True, False]
    assert len(outbox(rc)) == 2
