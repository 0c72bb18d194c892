"""The OpenLDAP harness (tests.sandbox.ldap) against a real slapd: TLS, ACLs, sample data."""

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import ldap3
import pytest
from ldap3.core.exceptions import LDAPException

from tests.sandbox.ldap import Slapd, sample_password
from tests.sandbox.ldap.large import generate_large_ldif

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCUMENTED_INFO_KEYS = {
    "ldap_uri", "ldaps_uri", "host", "port", "tls_port", "ldap_base_dn", "ldap_bind_dn",
    "ldap_bind_password", "ldap_admin_dn", "ldap_admin_password", "ca_cert_path", "ca_cert_pem",
    "wrong_ca_cert_path", "mismatch_host", "users_dn", "groups_dn", "flavour",
}
LARGE_USERS = 10000
LARGE_GROUPS = 500


@pytest.fixture(scope="module")
def openldap():
    with Slapd("openldap") as d:
        yield d.info


@pytest.fixture(scope="module")
def ad():
    with Slapd("ad") as d:
        yield d.info


def tls(ca_path):
    return ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca_path)


def connect(info, user=None, password=None, *, mode="starttls", ca_path=None, host=None):
    """A bound ldap3 connection (service account by default) over StartTLS, LDAPS or plain."""
    ca_path = ca_path or info["ca_cert_path"]
    host = host or info["host"]
    user = user or info["ldap_bind_dn"]
    password = password if password is not None else info["ldap_bind_password"]
    if mode == "ldaps":
        server = ldap3.Server(host, port=info["tls_port"], use_ssl=True, tls=tls(ca_path))
    else:
        server = ldap3.Server(host, port=info["port"], tls=tls(ca_path) if mode == "starttls" else None)
    conn = ldap3.Connection(server, user, password, raise_exceptions=True)
    conn.open()
    if mode == "starttls":
        conn.start_tls()
    conn.bind()
    return conn


def ldap_cli(info, tmp_path, *args, uri=None, ca_path=None, bind_dn=None, password=None, starttls=True):
    """Run an OpenLDAP client tool (e.g. ldapsearch) with TLS verification against *ca_path*."""
    password_file = tmp_path / "bind-password"  # -y keeps the password off the command line
    password_file.write_text(password if password is not None else info["ldap_bind_password"])
    env = dict(os.environ, HOME=str(tmp_path), LDAPTLS_REQCERT="demand",
               LDAPTLS_CACERT=ca_path or info["ca_cert_path"])
    command = [args[0], "-x", "-H", uri or info["ldap_uri"],
               "-D", bind_dn or info["ldap_bind_dn"], "-y", str(password_file), "-o", "nettimeout=5"]
    if starttls and (uri or info["ldap_uri"]).startswith("ldap://"):
        command.append("-ZZ")
    return subprocess.run(command + list(args[1:]), capture_output=True, text=True, env=env,
                          timeout=30, check=False)


def search(conn, base, flt, attributes=("*",), scope=ldap3.SUBTREE):
    conn.search(base, flt, search_scope=scope, attributes=list(attributes))
    return conn.entries


def values(entry, attribute):
    return entry.entry_attributes_as_dict.get(attribute, [])


# -- info and connectivity ------------------------------------------------------------------

@pytest.mark.parametrize("flavour_fixture", ["openldap", "ad"])
def test_info_has_every_documented_key_and_is_json(flavour_fixture, request):
    info = request.getfixturevalue(flavour_fixture)
    assert DOCUMENTED_INFO_KEYS <= set(info)
    assert info["flavour"] == flavour_fixture
    assert info["ldap_uri"] == f"ldap://localhost:{info['port']}"
    assert info["ldaps_uri"] == f"ldaps://localhost:{info['tls_port']}"
    assert Path(info["ca_cert_path"]).read_text() == info["ca_cert_pem"]
    assert Path(info["wrong_ca_cert_path"]).read_text() != info["ca_cert_pem"]
    json.dumps(info)


@pytest.mark.parametrize("flavour_fixture", ["openldap", "ad"])
@pytest.mark.parametrize("uri_key", ["ldap_uri", "ldaps_uri"])
def test_ldapsearch_cli_reads_as_service_account_with_good_ca(flavour_fixture, uri_key, request, tmp_path):
    info = request.getfixturevalue(flavour_fixture)
    result = ldap_cli(info, tmp_path, "ldapsearch", "-LLL", "-b", info["users_dn"],
                      f"({'uid' if flavour_fixture == 'openldap' else 'sAMAccountName'}={info['sample_user']})",
                      "dn", uri=info[uri_key])
    assert result.returncode == 0, result.stderr
    assert result.stdout.lower().startswith(f"dn: {info['sample_user_dn'].lower()}")


def test_ldapsearch_cli_accepts_the_ip_address_in_the_certificate(openldap, tmp_path):
    result = ldap_cli(openldap, tmp_path, "ldapwhoami", uri=f"ldaps://127.0.0.1:{openldap['tls_port']}")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("uri_key", ["ldap_uri", "ldaps_uri"])
def test_ldapsearch_cli_rejects_the_wrong_ca(openldap, uri_key, tmp_path):
    result = ldap_cli(openldap, tmp_path, "ldapwhoami", uri=openldap[uri_key],
                      ca_path=openldap["wrong_ca_cert_path"])
    assert result.returncode != 0
    assert "dn:" not in result.stdout


@pytest.mark.parametrize("scheme_port", [("ldap", "port"), ("ldaps", "tls_port")])
def test_ldapsearch_cli_rejects_the_mismatch_host(openldap, scheme_port, tmp_path):
    scheme, port_key = scheme_port
    uri = f"{scheme}://{openldap['mismatch_host']}:{openldap[port_key]}"
    assert socket.create_connection((openldap["mismatch_host"], openldap[port_key]), timeout=2)
    result = ldap_cli(openldap, tmp_path, "ldapwhoami", uri=uri)
    assert result.returncode != 0
    # Without TLS the same address answers: the failure is the certificate name, not the network.
    if scheme == "ldap":
        plain = ldap_cli(openldap, tmp_path, "ldapwhoami", uri=uri, starttls=False)
        assert plain.returncode == 0, plain.stderr


@pytest.mark.parametrize("flavour_fixture", ["openldap", "ad"])
@pytest.mark.parametrize("mode", ["starttls", "ldaps"])
def test_ldap3_binds_as_service_account_with_good_ca(flavour_fixture, mode, request):
    info = request.getfixturevalue(flavour_fixture)
    conn = connect(info, mode=mode)
    assert conn.extend.standard.who_am_i().lower() == f"dn:{info['ldap_bind_dn'].lower()}"
    conn.unbind()


@pytest.mark.parametrize("mode", ["starttls", "ldaps"])
def test_ldap3_rejects_the_wrong_ca(openldap, mode):
    with pytest.raises(LDAPException):
        connect(openldap, mode=mode, ca_path=openldap["wrong_ca_cert_path"])


@pytest.mark.parametrize("mode", ["starttls", "ldaps"])
def test_ldap3_rejects_the_mismatch_host(openldap, mode):
    with pytest.raises(LDAPException):
        connect(openldap, mode=mode, host=openldap["mismatch_host"])


def test_ldap3_accepts_the_mismatch_host_when_told_the_certificate_name(openldap):
    # The control for the test above: same address and CA, only the expected name differs.
    trusted = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=openldap["ca_cert_path"],
                        valid_names=["localhost"])
    server = ldap3.Server(openldap["mismatch_host"], port=openldap["tls_port"], use_ssl=True, tls=trusted)
    conn = ldap3.Connection(server, openldap["ldap_bind_dn"], openldap["ldap_bind_password"],
                            raise_exceptions=True)
    assert conn.bind()


# -- access control ---------------------------------------------------------------------------

@pytest.mark.parametrize("flavour_fixture", ["openldap", "ad"])
def test_service_account_cannot_write(flavour_fixture, request):
    info = request.getfixturevalue(flavour_fixture)
    conn = connect(info)
    with pytest.raises(LDAPException, match="insufficientAccessRights"):
        conn.modify(info["sample_user_dn"], {"description": [(ldap3.MODIFY_REPLACE, ["changed"])]})
    with pytest.raises(LDAPException, match="insufficientAccessRights"):
        conn.add(f"cn=intruder,{info['users_dn']}", ["organizationalRole"], {"cn": "intruder"})
    assert values(search(conn, info["sample_user_dn"], "(objectClass=*)", scope=ldap3.BASE)[0],
                  "description") != ["changed"]


def test_service_account_reads_everything_but_passwords(openldap):
    conn = connect(openldap)
    own = search(conn, openldap["ldap_bind_dn"], "(objectClass=*)", ["*"], scope=ldap3.BASE)
    assert len(own) == 1 and not values(own[0], "userPassword")
    user = search(conn, openldap["sample_user_dn"], "(objectClass=*)", ["*", "userPassword"], scope=ldap3.BASE)
    assert values(user[0], "mail") and not values(user[0], "userPassword")
    # The admin does see it, so the absence above is the ACL at work.
    admin = connect(openldap, openldap["ldap_admin_dn"], openldap["ldap_admin_password"])
    entry = search(admin, openldap["sample_user_dn"], "(objectClass=*)", ["userPassword"], scope=ldap3.BASE)[0]
    assert values(entry, "userPassword")[0].startswith(b"{SSHA}")


def test_anonymous_can_bind_but_not_read(openldap):
    conn = ldap3.Connection(ldap3.Server(openldap["host"], port=openldap["port"]), auto_bind=True)
    assert search(conn, openldap["users_dn"], "(uid=*)") == []


def test_admin_writes_and_memberof_overlay_follows(openldap):
    admin = connect(openldap, openldap["ldap_admin_dn"], openldap["ldap_admin_password"])
    group = f"cn=admins,{openldap['groups_dn']}"
    user = f"uid=zoe,{openldap['users_dn']}"
    admin.modify(group, {"member": [(ldap3.MODIFY_ADD, [user])]})
    try:
        entry = search(admin, user, "(objectClass=*)", ["memberOf"], scope=ldap3.BASE)[0]
        assert group.lower() in [v.lower() for v in values(entry, "memberOf")]
    finally:
        admin.modify(group, {"member": [(ldap3.MODIFY_DELETE, [user])]})
    entry = search(admin, user, "(objectClass=*)", ["memberOf"], scope=ldap3.BASE)[0]
    assert group.lower() not in [v.lower() for v in values(entry, "memberOf")]


# -- users log in -----------------------------------------------------------------------------

@pytest.mark.parametrize("flavour_fixture", ["openldap", "ad"])
def test_sample_user_binds_with_the_password_convention(flavour_fixture, request):
    info = request.getfixturevalue(flavour_fixture)
    assert info["sample_password"] == sample_password(info["sample_user"]) == f"{info['sample_user']}-pass"
    conn = connect(info, info["sample_user_dn"], info["sample_password"])
    assert conn.extend.standard.who_am_i().lower() == f"dn:{info['sample_user_dn'].lower()}"
    with pytest.raises(LDAPException, match="invalidCredentials"):
        connect(info, info["sample_user_dn"], "not-the-password")


def test_ldapsearch_cli_binds_as_a_user(openldap, tmp_path):
    dn = f"uid=bob,{openldap['users_dn']}"
    result = ldap_cli(openldap, tmp_path, "ldapwhoami", bind_dn=dn, password="bob-pass")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().lower() == f"dn:{dn.lower()}"


def test_locked_user_cannot_bind(openldap):
    dn = f"uid=mallory,{openldap['users_dn']}"
    with pytest.raises(LDAPException, match="invalidCredentials"):
        connect(openldap, dn, "mallory-pass")
    entry = search(connect(openldap), dn, "(objectClass=*)", ["pwdAccountLockedTime"], scope=ldap3.BASE)[0]
    assert values(entry, "pwdAccountLockedTime")


# -- openldap sample data ---------------------------------------------------------------------

def test_openldap_people(openldap):
    conn = connect(openldap)
    people = search(conn, openldap["users_dn"], "(objectClass=inetOrgPerson)",
                    ["uid", "cn", "sn", "givenName", "mail", "jpegPhoto"])
    assert len(people) >= 30
    by_uid = {values(p, "uid")[0]: p.entry_attributes_as_dict for p in people}
    assert all(p["cn"] and p["sn"] and p["givenName"] for p in by_uid.values())
    assert [uid for uid, p in by_uid.items() if not p.get("mail")] == ["oscar"]
    cns = [p["cn"][0] for p in by_uid.values()]
    assert cns.count("John Smith") == 2
    photos = {uid: p["jpegPhoto"][0] for uid, p in by_uid.items() if p.get("jpegPhoto")}
    assert list(photos) == ["alice"]
    assert photos["alice"].startswith(b"\xff\xd8") and photos["alice"].endswith(b"\xff\xd9")
    assert set(by_uid["zoe"]["cn"]) == {"Zoë Ångström"}


def test_openldap_groups(openldap):
    conn = connect(openldap)
    groups = openldap["groups_dn"]
    posix = {values(e, "cn")[0]: set(values(e, "memberUid"))
             for e in search(conn, groups, "(objectClass=posixGroup)", ["cn", "memberUid"])}
    assert posix["rocket-admin"] == {"alice", "bob"}
    assert {"tech-support", "manager", "employee", "developers"} <= set(posix)
    assert len(posix["employee"]) >= 30
    # The default role filter finds alice in rocket-admin.
    assert search(conn, groups, "(&(cn=rocket-admin)(memberUid=alice))", ["cn"])
    staff = search(conn, groups, "(&(objectClass=groupOfNames)(cn=staff))", ["member"])[0]
    assert f"cn=engineering,{groups}" in values(staff, "member")
    admins = search(conn, groups, "(&(objectClass=groupOfNames)(cn=admins))", ["member"])[0]
    assert f"uid=alice,{openldap['users_dn']}" in values(admins, "member")


def test_memberof_on_group_of_names_members_but_not_posix(openldap):
    conn = connect(openldap)
    groups = openldap["groups_dn"]
    alice = search(conn, openldap["sample_user_dn"], "(objectClass=*)", ["memberOf"], scope=ldap3.BASE)[0]
    member_of = {v.lower() for v in values(alice, "memberOf")}
    assert f"cn=admins,{groups}" in member_of
    assert f"cn=rocket_chat,{groups}" in member_of  # groupOfUniqueNames too
    assert f"cn=rocket-admin,{groups}" not in member_of  # posixGroup: no memberOf
    engineering = search(conn, f"cn=engineering,{groups}", "(objectClass=*)", ["memberOf"], scope=ldap3.BASE)[0]
    assert values(engineering, "memberOf") == [f"cn=staff,{groups}"]
    # memberOf is operational in OpenLDAP: only returned when asked for (Rocket.Chat asks "*,+").
    assert "memberOf" not in search(conn, openldap["sample_user_dn"], "(objectClass=*)", ["*"],
                                    scope=ldap3.BASE)[0].entry_attributes_as_dict


def test_default_teams_query_and_group_filter(openldap):
    conn = connect(openldap)
    heidi = f"uid=heidi,{openldap['users_dn']}"
    teams = search(conn, openldap["ldap_base_dn"], f"(&(ou=*)(uniqueMember={heidi}))", ["ou", "cn"])
    assert [values(t, "ou") for t in teams] == [["Engineering"]]
    allowed = search(conn, openldap["groups_dn"], "(&(objectClass=groupOfUniqueNames)(cn=ROCKET_CHAT))",
                     ["uniqueMember"])[0]
    members = {v.split(",")[0] for v in values(allowed, "uniqueMember")}
    assert "uid=alice" in members and "uid=victor" not in members and "uid=walter" not in members


# -- ad sample data ---------------------------------------------------------------------------

def test_ad_users(ad):
    conn = connect(ad)
    users = search(conn, ad["users_dn"], "(objectClass=user)", ["*"])
    assert len(users) >= 10
    by_login = {values(u, "sAMAccountName")[0]: u.entry_attributes_as_dict for u in users}
    for login, user in by_login.items():
        assert user["userPrincipalName"] == [f"{login}@corp.example.com"]
        assert len(user["objectGUID"][0]) == 16 and isinstance(user["objectGUID"][0], bytes)
    assert len({u["objectGUID"][0] for u in by_login.values()}) == len(by_login)
    disabled = [login for login, u in by_login.items() if u["userAccountControl"][0] & 2]
    assert disabled == ["ddiaz"]
    assert [login for login, u in by_login.items() if u.get("lockoutTime", [0])[0]] == ["eellis"]
    assert [login for login, u in by_login.items() if not u.get("mail")] == ["ffischer"]
    assert by_login["ggarcia"]["thumbnailPhoto"][0].startswith(b"\xff\xd8")
    # memberOf is a plain attribute here, returned by "*" as AD does.
    assert f"cn=Rocket Admins,{ad['groups_dn']}" in by_login["aadams"]["memberOf"]


def test_ad_groups_and_search_by_guid(ad):
    conn = connect(ad)
    groups = {values(g, "cn")[0]: g.entry_attributes_as_dict
              for g in search(conn, ad["groups_dn"], "(objectClass=group)", ["*"])}
    assert f"cn=Engineering,{ad['groups_dn']}" in groups["All Staff"]["member"]
    assert groups["Engineering"]["memberOf"] == [f"cn=All Staff,{ad['groups_dn']}"]
    aadams = search(conn, ad["users_dn"], "(sAMAccountName=aadams)", ["objectGUID"])[0]
    guid = values(aadams, "objectGUID")[0]
    escaped = "".join(f"\\{b:02x}" for b in guid)
    found = search(conn, ad["ldap_base_dn"], f"(objectGUID={escaped})", ["sAMAccountName"])
    assert [values(e, "sAMAccountName") for e in found] == [["aadams"]]


# -- large flavour ----------------------------------------------------------------------------

def test_large_flavour_has_ten_thousand_users():
    started = time.monotonic()
    with Slapd("large", large_users=LARGE_USERS, large_groups=LARGE_GROUPS) as d:
        elapsed = time.monotonic() - started
        print(f"\nlarge flavour ({LARGE_USERS} users, {LARGE_GROUPS}+{LARGE_GROUPS} groups) "
              f"started in {elapsed:.2f} s")
        info = d.info
        conn = connect(info, mode="plain")
        users = conn.extend.standard.paged_search(info["users_dn"], "(objectClass=inetOrgPerson)",
                                                  attributes=["uid"], paged_size=1000, generator=True)
        assert sum(1 for _ in users) == LARGE_USERS
        # Like AD's MaxPageSize, a search that is not paged stops at 1000 entries.
        conn.raise_exceptions = False
        conn.search(info["users_dn"], "(objectClass=inetOrgPerson)", attributes=["uid"])
        assert conn.result["description"] == "sizeLimitExceeded" and len(conn.entries) == 1000
        conn.raise_exceptions = True
        for group_class in ("posixGroup", "groupOfNames"):
            groups = conn.extend.standard.paged_search(info["groups_dn"], f"(objectClass={group_class})",
                                                       attributes=["cn"], paged_size=1000, generator=True)
            assert sum(1 for _ in groups) == LARGE_GROUPS
        assert connect(info, info["sample_user_dn"], info["sample_password"], mode="plain").bound


def test_large_generator_is_deterministic_and_puts_everyone_in_a_group():
    text = generate_large_ldif(200, 7)
    assert text == generate_large_ldif(200, 7)
    members = {line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("memberUid: ")}
    assert len(members) == 200
    assert text.count("objectClass: posixGroup") == text.count("objectClass: groupOfNames") == 7


def test_bench_wrapper_writes_an_ldif(tmp_path):
    out = tmp_path / "dir.ldif"
    subprocess.run([sys.executable, "bench/gen_large_directory.py", "--users", "20", "--groups", "3", str(out)],
                   cwd=REPO_ROOT, check=True, timeout=60)
    assert out.read_text().count("objectClass: inetOrgPerson") == 20


# -- lifecycle --------------------------------------------------------------------------------

def process_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_stop_leaves_no_process_no_directory_no_listener(tmp_path):
    d = Slapd("openldap", workdir=tmp_path)
    info = d.start()
    pid, directory = info["pid"], Path(info["workdir"])
    assert directory.parent == tmp_path and directory.is_dir() and not process_gone(pid)
    d.stop()
    assert process_gone(pid)
    assert not directory.exists() and list(tmp_path.iterdir()) == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", info["port"]), timeout=1)
    d.stop()  # idempotent


def test_unknown_flavour_is_refused():
    with pytest.raises(ValueError, match="unknown flavour"):
        Slapd("novell")


def test_cli_prints_info_and_stops_cleanly_on_sigterm(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "tests.sandbox.ldap", "--flavour", "ad",
                             "--workdir", str(tmp_path)],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert info["flavour"] == "ad"
        assert connect(info).bound
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert process_gone(info["pid"])
    assert list(tmp_path.iterdir()) == []


def test_failed_start_raises_and_cleans_up(tmp_path, monkeypatch):
    monkeypatch.setattr(Slapd, "_ldif", lambda self: "dn: dc=elsewhere\nobjectClass: nothing\n")
    d = Slapd("openldap", workdir=tmp_path)
    with pytest.raises(RuntimeError, match="slapadd failed"):
        d.start()
    assert d.process is None and list(tmp_path.iterdir()) == []
