"""The samba-ad flavour (tests.sandbox.ldap.samba_ad): a real Samba AD DC with the sample company of
samba_data.py. What AD does that slapd does not: nested groups (LDAP_MATCHING_RULE_IN_CHAIN),
objectGUID, userAccountControl, referrals, the DC's own certificate."""

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

import ldap3
import pytest
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_bytes

from tests.sandbox.ldap import samba_data
from tests.sandbox.ldap.samba_ad import LEASE_DIR, SambaAD

REPO_ROOT = Path(__file__).resolve().parents[2]
IN_CHAIN = "1.2.840.113556.1.4.1941"
SLAPD_INFO_KEYS = {
    "ldap_uri", "ldaps_uri", "host", "port", "tls_port", "ldap_base_dn", "ldap_bind_dn", "ldap_bind_password",
    "ldap_admin_dn", "ldap_admin_password", "ca_cert_path", "ca_cert_pem", "wrong_ca_cert_path", "mismatch_host",
    "users_dn", "groups_dn", "teams_dn", "flavour", "login_attribute", "password_convention", "sample_user",
    "sample_user_dn", "sample_password", "mismatch_ldap_uri", "mismatch_ldaps_uri", "pid", "workdir", "log_path",
}
AD_INFO_KEYS = {"realm", "domain", "dns_domain", "ldap_bind_upn", "sample_user_upn", "tls_server_name",
                "global_catalog_port", "nested_chain", "disabled_user", "locked_user", "no_mail_user",
                "user_count", "contractors_dn"}
PEOPLE = "(&(objectCategory=person)(objectClass=user))"


@pytest.fixture(scope="module")
def ad(samba_ad):
    return samba_ad.info


def connect(info, user=None, password=None, *, mode="plain", ca_path=None, valid_names=None):
    """A bound connection (the service account by default): plain LDAP, StartTLS or LDAPS."""
    user = user or info["ldap_bind_dn"]
    password = password if password is not None else info["ldap_bind_password"]
    tls = None
    if mode != "plain":
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca_path or info["ca_cert_path"],
                        valid_names=valid_names if valid_names is not None else [info["tls_server_name"]])
    port = info["tls_port"] if mode == "ldaps" else info["port"]
    server = ldap3.Server(info["host"], port=port, use_ssl=mode == "ldaps", tls=tls, get_info=ldap3.NONE,
                          connect_timeout=5)
    conn = ldap3.Connection(server, user, password, raise_exceptions=True, auto_referrals=False)
    conn.open()
    if mode == "starttls":
        conn.start_tls()
    conn.bind()
    return conn


def entries(conn):
    return [item for item in conn.response if item["type"] == "searchResEntry"]


def first(item, name):
    return item["raw_attributes"][name][0].decode("utf-8")


def logins(conn, base, search_filter):
    conn.search(base, search_filter, attributes=["sAMAccountName"])
    return sorted(item["raw_attributes"]["sAMAccountName"][0].decode() for item in entries(conn))


def test_info_has_the_slapd_keys_and_the_ad_ones(ad):
    assert SLAPD_INFO_KEYS | AD_INFO_KEYS <= set(ad)
    assert ad["flavour"] == "samba-ad"
    assert (ad["port"], ad["tls_port"], ad["global_catalog_port"]) == (389, 636, 3268)
    assert ad["host"].startswith("127.0.0.") and ad["ldap_uri"] == f"ldap://{ad['host']}:389"
    assert ad["ldap_base_dn"] == "DC=corp,DC=example,DC=com" and ad["realm"] == "CORP.EXAMPLE.COM"
    assert ad["login_attribute"] == "sAMAccountName" and ad["tls_server_name"] == "DC1.corp.example.com"
    assert ad["ca_cert_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert Path(ad["ca_cert_path"]).read_text() == ad["ca_cert_pem"]
    assert ad["nested_chain"] == ["dev-backend", "engineering", "staff", "rocketchat-users"]


def test_binds_by_dn_and_by_upn_and_refuses_a_wrong_password(ad):
    for user in (ad["sample_user_dn"], ad["sample_user_upn"]):
        assert connect(ad, user, ad["sample_password"]).bound
    assert connect(ad, ad["ldap_bind_upn"], ad["ldap_bind_password"]).bound
    assert connect(ad, ad["ldap_admin_dn"], ad["ldap_admin_password"]).bound
    with pytest.raises(LDAPException):
        connect(ad, ad["sample_user_dn"], "wrong-pass")


def test_the_sample_company(ad):
    conn = connect(ad)
    people = logins(conn, ad["ldap_base_dn"], PEOPLE)
    builtin = {"Administrator", "Guest", "krbtgt", "dns-dc1", samba_data.SERVICE_LOGIN}
    assert builtin <= set(people) and len(people) == ad["user_count"] + len(builtin)
    assert len(logins(conn, ad["users_dn"], PEOPLE)) == 38
    conn.search(ad["users_dn"], "(sAMAccountName=jstrasse)", attributes=["cn", "givenName", "sn", "mail",
                                                                          "userPrincipalName", "displayName"])
    (entry,) = entries(conn)
    assert first(entry, "cn") == "Jørgen Straße" and first(entry, "sn") == "Straße"
    assert first(entry, "userPrincipalName") == "jstrasse@corp.example.com"
    assert first(entry, "mail") == "jorgen.strasse@corp.example.com"
    # non-ASCII values in filters and DNs
    assert logins(conn, ad["ldap_base_dn"], "(cn=Иван Петров)") == ["ipetrov"]
    conn.search(ad["users_dn"], "(sAMAccountName=yyoung)", attributes=["cn"])
    assert entries(conn)[0]["dn"].startswith("CN=Young\\, Yusuf,OU=Support,OU=Staff,")
    assert logins(conn, ad["users_dn"], f"(&{PEOPLE}(!(mail=*)))") == [ad["no_mail_user"]]


def test_nested_groups_resolve_with_the_in_chain_rule(ad):
    conn = connect(ad)
    top = samba_data.group_dn("rocketchat-users")
    nested = logins(conn, ad["ldap_base_dn"], f"(&{PEOPLE}(memberOf:{IN_CHAIN}:={top}))")
    assert ad["sample_user"] in nested and "jstrasse" in nested and "kberg" not in nested
    assert len(nested) == 38  # all of OU=Staff, through four levels of groups
    # plain memberOf only lists direct groups
    assert logins(conn, ad["ldap_base_dn"], f"(memberOf={top})") == ["staff"]
    # and the other direction: every group the sample user is in, directly or not
    conn.search(ad["groups_dn"], f"(&(objectClass=group)(member:{IN_CHAIN}:={ad['sample_user_dn']}))",
                attributes=["cn"])
    groups = {first(item, "cn") for item in entries(conn)}
    assert set(ad["nested_chain"]) <= groups and "sales" not in groups
    # group names with the chain rule, as a Rocket.Chat role filter writes it
    role_filter = f"(&(objectClass=group)(cn=rocketchat-users)(member:{IN_CHAIN}:={ad['sample_user_dn']}))"
    conn.search(ad["groups_dn"], role_filter, attributes=["1.1"])
    assert len(entries(conn)) == 1


def test_object_guid_is_16_raw_bytes_and_searchable(ad):
    conn = connect(ad)
    conn.search(ad["users_dn"], f"(sAMAccountName={ad['sample_user']})", attributes=["objectGUID"])
    (entry,) = entries(conn)
    raw = entry["raw_attributes"]["objectGUID"][0]
    assert len(raw) == 16
    assert str(uuid.UUID(bytes_le=raw)).count("-") == 4
    conn.search(ad["ldap_base_dn"], f"(objectGUID={escape_bytes(raw)})", attributes=["sAMAccountName"])
    assert [first(item, "sAMAccountName") for item in entries(conn)] == [ad["sample_user"]]
    conn.search(ad["users_dn"], PEOPLE, attributes=["objectGUID"])
    guids = [item["raw_attributes"]["objectGUID"][0] for item in entries(conn)]
    assert len(set(guids)) == len(guids) == 38


def test_disabled_and_locked_accounts(ad):
    conn = connect(ad)
    conn.search(ad["users_dn"], f"(sAMAccountName={ad['disabled_user']})", attributes=["userAccountControl"])
    (disabled,) = entries(conn)
    assert first(disabled, "userAccountControl") == "514"
    assert logins(conn, ad["users_dn"], "(userAccountControl:1.2.840.113556.1.4.803:=2)") == [ad["disabled_user"]]
    with pytest.raises(LDAPException):  # the DC refuses a disabled account's bind
        connect(ad, disabled["dn"], samba_data.sample_password(ad["disabled_user"]))
    conn.search(ad["users_dn"], f"(sAMAccountName={ad['locked_user']})", attributes=["lockoutTime"],)
    assert entries(conn)[0]["raw_attributes"]["lockoutTime"] == [samba_data.LOCKOUT_TIME.encode()]
    assert logins(conn, ad["users_dn"], "(lockoutTime>=1)") == [ad["locked_user"]]


def test_paged_search_and_referrals(ad):
    conn = connect(ad)
    conn.search(ad["users_dn"], PEOPLE, attributes=["sAMAccountName"], paged_size=7)
    pages, seen = 1, len(entries(conn))
    cookie = conn.result["controls"]["1.2.840.113556.1.4.319"]["value"]["cookie"]
    while cookie:
        conn.search(ad["users_dn"], PEOPLE, attributes=["sAMAccountName"], paged_size=7, paged_cookie=cookie)
        pages, seen = pages + 1, seen + len(entries(conn))
        cookie = conn.result["controls"]["1.2.840.113556.1.4.319"]["value"]["cookie"]
    assert (pages, seen) == (6, 38)
    # a subtree search from the domain root also answers continuation references (the DNS and
    # configuration partitions); a client that does not chase referrals simply skips them
    conn.search(ad["ldap_base_dn"], PEOPLE, attributes=["1.1"])
    assert any(item["type"] == "searchResRef" for item in conn.response)
    assert conn.result["result"] == 0


def test_tls_with_the_dc_certificate(ad):
    for mode in ("ldaps", "starttls"):
        conn = connect(ad, mode=mode)
        assert conn.bound and conn.tls_started if mode == "starttls" else conn.bound
    with pytest.raises(LDAPException):
        connect(ad, mode="ldaps", ca_path=ad["wrong_ca_cert_path"])
    # the domain CA's certificate names the DC's address too: a client reaching it by IP verifies it
    # with OpenSSL's host name check (what Node does, and ldap_check; ldap3's own check ignores IP SANs)
    context = ssl.create_default_context(cafile=ad["ca_cert_path"])
    for name in (ad["host"], ad["tls_server_name"]):
        with socket.create_connection((ad["host"], ad["tls_port"]), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname=name) as wrapped:
                assert wrapped.getpeercert()["subject"][-1][0][1] == ad["tls_server_name"]
    with socket.create_connection((ad["host"], ad["tls_port"]), timeout=5) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            context.wrap_socket(raw, server_hostname="dc2." + ad["dns_domain"])


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def _lease_free(address):
    import fcntl
    with open(LEASE_DIR / f"{address}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
    return True


def test_a_second_instance_runs_beside_and_leaves_nothing_behind(ad, tmp_path):
    started = time.monotonic()
    with SambaAD("samba-ad", workdir=tmp_path) as second:
        info = second.info
        elapsed = time.monotonic() - started
        assert info["host"] != ad["host"] and not _lease_free(info["host"])
        for each in (ad, info):
            conn = connect(each)
            assert logins(conn, each["users_dn"], f"(sAMAccountName={each['sample_user']})") == ["aadams"]
        pid, workdir = info["pid"], info["workdir"]
    assert elapsed < 10, elapsed  # a copy of the template, not a provisioning
    assert not _alive(pid)
    assert not Path(workdir).exists() and list(tmp_path.iterdir()) == []
    assert _lease_free(info["host"])
    with socket.socket() as sock:  # the port is free again (TIME_WAIT aside, as for samba)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((info["host"], 389))
    connect(ad)  # the session's DC is untouched


def test_the_runner_and_make_sandbox_path(tmp_path):
    """`python -m tests.sandbox start --flavour samba-ad` (what `make sandbox` runs), then stop."""
    state = tmp_path / "state"
    env = dict(os.environ)
    run = [sys.executable, "-m", "tests.sandbox"]
    result = subprocess.run(run + ["start", "--state-dir", str(state), "--flavour", "samba-ad"], cwd=REPO_ROOT,
                            env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    try:
        data = json.loads((state / "env.json").read_text())
        assert data["flavour"] == "samba-ad" and data["realm"] == "CORP.EXAMPLE.COM"
        assert data["rocketchat_url"] and data["ldap_bind_dn"] == samba_data.SERVICE_DN
        assert connect(data).bound
        samba_workdir = data["workdir"]
        assert Path(samba_workdir).is_dir()
    finally:
        stopped = subprocess.run(run + ["stop", "--state-dir", str(state)], cwd=REPO_ROOT, env=env,
                                 capture_output=True, text=True, timeout=60)
    assert stopped.returncode == 0, stopped.stderr
    deadline = time.monotonic() + 15
    while Path(samba_workdir).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(samba_workdir).exists()
    assert not _alive(data["pid"]) and not _alive(data["slapd_pid"])
    assert _lease_free(data["host"])
    assert not state.exists()


def test_the_runner_stops_on_sigterm(tmp_path):
    info_file = tmp_path / "info.json"
    process = subprocess.Popen([sys.executable, "-m", "tests.sandbox.ldap", "--flavour", "samba-ad",
                                "--workdir", str(tmp_path / "work"), "--info-file", str(info_file)],
                               cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(process.stdout.readline())
        assert info["flavour"] == "samba-ad" and json.loads(info_file.read_text()) == info
        assert (os.stat(info_file).st_mode & 0o777) == 0o600
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert not _alive(info["pid"]) and not info_file.exists()
    assert list((tmp_path / "work").iterdir()) == []
