"""The sandbox's LDAP engine against a real slapd (tests.sandbox.ldap), with the sandbox's own
store (a fresh workspace, world.new_store): REST-CONTRACT.md §2.1 (LDAP login), §6.1 (testConnection),
§6.2 (testSearch), §6.4 (sync, roles, channels, teams, active state, avatars) and §6.5 (auto-logout).

Directory facts used here are the ones listed at the top of tests/sandbox/ldap/data/*.ldif.
"""

import hashlib
import json
import socket
import time

import ldap3
import pytest

from tests.sandbox.ldap import Slapd, sample_password
from tests.sandbox.rocketchat import world
from tests.sandbox.rocketchat.ldap_engine import LdapEngine, LdapError, LdapLoginError

PEOPLE = 32          # openldap.ldif: people under ou=people
NO_MAIL = "oscar"
LOCKED = "mallory"   # pwdAccountLockedTime


@pytest.fixture(scope="module")
def directory():
    with Slapd("openldap") as slapd:
        yield slapd.info


@pytest.fixture(scope="module")
def ad_directory():
    with Slapd("ad") as slapd:
        yield slapd.info


def configure(store, **settings):
    for setting_id, value in settings.items():
        assert store.write_setting(setting_id, value, skip_hidden=False), setting_id


def ldap_settings(info, **overrides):
    settings = {
        "LDAP_Enable": True, "LDAP_Server_Type": "", "LDAP_Host": info["host"], "LDAP_Port": info["port"],
        "LDAP_BaseDN": info["ldap_base_dn"], "LDAP_Authentication": True,
        "LDAP_Authentication_UserDN": info["ldap_bind_dn"],
        "LDAP_Authentication_Password": info["ldap_bind_password"],
    }
    settings.update(overrides)
    return settings


@pytest.fixture
def store(directory):
    store = world.new_store()
    configure(store, **ldap_settings(directory))
    return store


def engine(store, major_version=8):
    return LdapEngine(store, major_version=major_version)


def log_text(store):
    return "\n".join(entry["line"] for entry in store.log_lines)


def user(store, username):
    found = store.find_user(username=username)
    assert found is not None, f"no user {username}"
    return found


def synced(store, **settings):
    configure(store, LDAP_Background_Sync=True, **settings)
    engine(store).sync()
    return store


def ghost_user(store):
    """An LDAP-linked user whose entry is not in the directory."""
    return store.create_user(username="ghost", name="Gone", email="ghost@example.org", ldap=True,
                             ldap_id=b"99999".hex(), ldap_id_attribute="uidNumber")


# --- §6.1 testConnection ---------------------------------------------------------------------

def test_connection_plain_with_service_bind(store):
    engine(store).test_connection()
    assert "Bind failed" not in log_text(store)


def test_connection_refused_port_fails(store, directory):
    configure(store, LDAP_Port=closed_port())
    with pytest.raises(LdapError) as error:
        engine(store).test_connection()
    assert error.value.code == "error-ldap-connection-failed"
    assert error.value.details["reason"]
    assert error.value.rest_body("ldap.testConnection", 8) == (400, {"success": False, "error": "Connection_failed"})
    status, body = error.value.rest_body("ldap.testConnection", 9)
    assert (status, body["error"], body["errorType"]) == (400, "LDAP_Connection_failed_reason",
                                                           "error-ldap-connection-failed")


@pytest.mark.parametrize("encryption, port_key", [("ssl", "tls_port"), ("tls", "port")])
def test_connection_tls_with_the_right_ca(store, directory, encryption, port_key):
    configure(store, LDAP_Encryption=encryption, LDAP_Port=directory[port_key],
              LDAP_CA_Cert=directory["ca_cert_pem"])
    engine(store).test_connection()


@pytest.mark.parametrize("encryption, port_key", [("ssl", "tls_port"), ("tls", "port")])
def test_connection_tls_with_a_wrong_ca_fails_unless_unchecked(store, directory, encryption, port_key):
    with open(directory["wrong_ca_cert_path"]) as handle:
        configure(store, LDAP_Encryption=encryption, LDAP_Port=directory[port_key], LDAP_CA_Cert=handle.read())
    with pytest.raises(LdapError) as error:
        engine(store).test_connection()
    assert error.value.code == "error-ldap-connection-failed"
    configure(store, LDAP_Reject_Unauthorized=False)
    engine(store).test_connection()


def test_connection_ldaps_to_a_name_missing_from_the_certificate_fails(store, directory):
    configure(store, LDAP_Encryption="ssl", LDAP_Port=directory["tls_port"], LDAP_Host=directory["mismatch_host"],
              LDAP_CA_Cert=directory["ca_cert_pem"])
    with pytest.raises(LdapError):
        engine(store).test_connection()


def test_connection_plain_port_spoken_to_as_ldaps_fails(store, directory):
    configure(store, LDAP_Encryption="ssl", LDAP_Port=directory["port"], LDAP_CA_Cert=directory["ca_cert_pem"])
    with pytest.raises(LdapError) as error:
        engine(store).test_connection()
    assert error.value.code == "error-ldap-connection-failed"


def test_connection_to_a_silent_server_times_out(store):
    """A TCP listener that never answers: the LDAPS handshake gives up after the timeouts."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        configure(store, LDAP_Port=silent.getsockname()[1], LDAP_Encryption="ssl",
                  LDAP_Connect_Timeout=300, LDAP_Timeout=1000)
        started = time.monotonic()
        with pytest.raises(LdapError) as error:
            engine(store).test_connection()
    assert error.value.code == "error-ldap-connection-failed"
    assert time.monotonic() - started < 5


def test_wrong_bind_password_passes_in_8x_and_is_logged(store):
    configure(store, LDAP_Authentication_Password="not-the-password")
    engine(store, 8).test_connection()
    assert "Bind failed" in log_text(store)
    assert "not-the-password" not in log_text(store)


def test_wrong_bind_password_fails_in_9x(store):
    configure(store, LDAP_Authentication_Password="not-the-password")
    with pytest.raises(LdapError) as error:
        engine(store, 9).test_connection()
    assert error.value.code == "LDAP_Bind_failed"
    assert error.value.details == {"error": "invalidCredentials"}
    assert "not-the-password" not in str(error.value) + json.dumps(error.value.details)
    assert error.value.rest_body("ldap.testConnection", 9) == (
        400, {"success": False, "error": "LDAP_Bind_failed", "details": {"error": "invalidCredentials"}})


# --- §6.2 testSearch ---------------------------------------------------------------------------

def test_search_exactly_one(store):
    engine(store).test_search("alice")


def test_search_none(store):
    with pytest.raises(LdapError) as error:
        engine(store).test_search("no-such-person")
    assert (error.value.code, error.value.details) == ("LDAP_User_not_found", {"total": 0})
    assert error.value.rest_body("ldap.testSearch", 8) == (400, {"success": False, "error": "LDAP_search_failed"})
    assert error.value.rest_body("ldap.testSearch", 9)[1]["error"] == "LDAP_User_not_found"


def test_search_many_with_a_duplicate_cn(store):
    configure(store, LDAP_User_Search_Field="cn")
    with pytest.raises(LdapError) as error:
        engine(store).test_search("John Smith")
    assert (error.value.code, error.value.details) == ("LDAP_Multiple_users_found", {"total": 2})


def test_search_escapes_the_username(store):
    """A '*' typed as the username is a literal, not a wildcard matching everyone."""
    with pytest.raises(LdapError) as error:
        engine(store).test_search("*")
    assert error.value.details == {"total": 0}


def test_search_comma_list_of_fields_is_an_or(store):
    configure(store, LDAP_User_Search_Field="uid,mail")
    engine(store).test_search("bob@example.org")
    engine(store).test_search("bob")


def test_search_user_filter_without_parentheses_is_wrapped(store):
    configure(store, LDAP_User_Search_Filter="objectClass=posixAccount")
    engine(store).test_search("alice")
    configure(store, LDAP_User_Search_Filter="objectClass=groupOfNames")
    with pytest.raises(LdapError):
        engine(store).test_search("alice")


def test_search_scope_base_finds_nobody_under_the_base(store):
    configure(store, LDAP_User_Search_Scope="one")
    with pytest.raises(LdapError):
        engine(store).test_search("alice")   # people live one level deeper
    configure(store, LDAP_BaseDN="ou=people,dc=example,dc=org")
    engine(store).test_search("alice")


def test_search_ad_flavour_uses_the_ad_search_field(ad_directory):
    store = world.new_store()
    configure(store, **ldap_settings(ad_directory, LDAP_Server_Type="ad"))
    engine(store).test_search("aadams")             # LDAP_AD_User_Search_Field: sAMAccountName
    configure(store, LDAP_Server_Type="")           # plain fields: uid, which AD entries lack
    with pytest.raises(LdapError):
        engine(store).test_search("aadams")


def test_search_failure_in_9x_for_connection_errors_is_search_failed(store):
    configure(store, LDAP_Port=closed_port())
    with pytest.raises(LdapError) as error:
        engine(store, 9).test_search("alice")
    assert error.value.rest_body("ldap.testSearch", 9) == (400, {"success": False, "error": "LDAP_search_failed"})


# --- §2.1 login ----------------------------------------------------------------------------------

def test_login_creates_the_ldap_user(store):
    logged_in = engine(store).login("alice", sample_password("alice"))
    assert logged_in["username"] == "alice"
    assert logged_in["ldap"] is True
    assert logged_in["emails"][0]["address"] == "alice@example.org"
    assert logged_in["name"] == "Alice Anderson"
    # default unique id fields: uidNumber is the first present one; stored hex-encoded
    assert logged_in["services"]["ldap"] == {"id": b"10001".hex(), "idAttribute": "uidNumber"}
    assert logged_in["roles"] == ["user"]


def test_login_wrong_password_or_unknown_user_falls_back(store):
    assert engine(store).login("alice", "wrong") is None
    assert engine(store).login("no-such-person", "x") is None
    assert engine(store).login("alice", "") is None
    assert store.find_user(username="alice") is None


def test_login_with_ldap_disabled_falls_back(store):
    configure(store, LDAP_Enable=False)
    assert engine(store).login("alice", sample_password("alice")) is None


def test_login_group_filter_rejects_a_non_member(store):
    configure(store, LDAP_Group_Filter_Enable=True,
              LDAP_Group_Filter_Group_Member_Format="uid=#{username},ou=people,dc=example,dc=org")
    assert engine(store).login("victor", sample_password("victor")) is None   # not in ROCKET_CHAT
    assert engine(store).login("bob", sample_password("bob"))["username"] == "bob"
    configure(store, LDAP_Group_Filter_Group_Member_Format="#{userdn}")
    assert engine(store).login("walter", sample_password("walter")) is None
    assert engine(store).login("carol", sample_password("carol"))["username"] == "carol"


def test_login_existing_local_user_without_merge_is_an_error(store):
    store.create_user(username="bob", name="Local Bob", email="bob@local.test", password="local")
    with pytest.raises(LdapLoginError) as error:
        engine(store).login("bob", sample_password("bob"))
    assert error.value.code == "LDAP-login-error"
    assert "already an existing user with provided username [bob]" in error.value.reason
    status, body = error.value.rest_body("login", 8)
    assert status == 401 and body["status"] == "error" and body["error"] == "LDAP-login-error"
    assert user(store, "bob")["ldap"] is False


def test_login_merges_an_existing_local_user_when_allowed(store):
    local = store.create_user(username="bob", name="Local Bob", email="bob@local.test", password="local")
    configure(store, LDAP_Merge_Existing_Users=True, LDAP_Update_Data_On_Login=False)
    merged = engine(store).login("bob", sample_password("bob"))
    assert merged["_id"] == local["_id"]
    assert merged["ldap"] is True
    # a merge always syncs the data, whatever Update_Data_On_Login says
    assert merged["name"] == "Bob Brown"
    assert merged["emails"][0]["address"] == "bob@example.org"


def test_login_updates_data_only_when_asked(store):
    engine(store).login("carol", sample_password("carol"))
    store.update_user(user(store, "carol")["_id"], name="Renamed")
    configure(store, LDAP_Update_Data_On_Login=False)
    assert engine(store).login("carol", sample_password("carol"))["name"] == "Renamed"
    configure(store, LDAP_Update_Data_On_Login=True)
    assert engine(store).login("carol", sample_password("carol"))["name"] == "Carol Clark"


def test_login_fallback_stores_the_ldap_password_locally(store):
    configure(store, LDAP_Login_Fallback=True)
    logged_in = engine(store).login("dave", sample_password("dave"))
    assert store.password_matches(logged_in, hashlib.sha256(sample_password("dave").encode()).hexdigest())


def test_login_of_the_user_without_mail_is_an_internal_error(store):
    with pytest.raises(LdapError) as error:
        engine(store).login(NO_MAIL, sample_password(NO_MAIL))
    assert not isinstance(error.value, LdapLoginError)
    assert error.value.rest_body("login", 8) == (500, {"success": False, "error": "Internal server error"})


def test_login_syncs_the_avatar(store, directory):
    logged_in = engine(store).login("alice", sample_password("alice"))   # alice has a jpegPhoto
    photo = admin_read(directory, "uid=alice,ou=people,dc=example,dc=org", "jpegPhoto")
    assert logged_in["avatarETag"] == hashlib.sha256(photo).hexdigest()


# --- §6.4 sync: users ----------------------------------------------------------------------------

def test_sync_is_a_no_op_without_background_sync(store):
    engine(store).sync()
    assert not [u for u in store.users() if u.get("ldap")]


def test_sync_imports_users_and_rejects_the_one_without_mail(store, directory):
    synced(store)
    ldap_users = {u["username"]: u for u in store.users() if u.get("ldap")}
    assert len(ldap_users) == PEOPLE - 1
    assert NO_MAIL not in ldap_users
    assert "Failed to get email address from LDAP user" in log_text(store)
    bob = ldap_users["bob"]
    assert (bob["name"], bob["emails"][0]["address"]) == ("Bob Brown", "bob@example.org")
    assert bob["services"]["ldap"]["idAttribute"] == "uidNumber"
    assert bytes.fromhex(bob["services"]["ldap"]["id"]).decode() == admin_read(
        directory, "uid=bob,ou=people,dc=example,dc=org", "uidNumber").decode()


def test_sync_default_domain_gives_the_no_mail_user_an_address(store):
    synced(store, LDAP_Default_Domain="mail.example.net")
    assert user(store, NO_MAIL)["emails"][0]["address"] == "oscar@mail.example.net"
    assert user(store, "bob")["emails"][0]["address"] == "bob@example.org"


def test_sync_email_field_skips_attributes_without_an_address(store):
    """§6.4: telephoneNumber has no "@", so mail (next in the list) wins over the default domain."""
    synced(store, LDAP_Email_Field="telephoneNumber,mail", LDAP_Default_Domain="mail.example.net")
    assert user(store, "bob")["emails"][0]["address"] == "bob@example.org"
    assert user(store, NO_MAIL)["emails"][0]["address"] == "oscar@mail.example.net"


def test_sync_without_an_address_in_the_field_or_a_default_domain_takes_mails_first_value(store):
    synced(store, LDAP_Email_Field="telephoneNumber", LDAP_Default_Domain="")
    assert user(store, "peggy")["emails"][0]["address"] == "peggy@example.org"   # peggy has two mail values
    assert user(store, "bob")["emails"][0]["address"] == "bob@example.org"
    assert store.find_user(username=NO_MAIL) is None


def test_sync_username_template_and_slugify(store):
    synced(store, LDAP_Username_Field="#{givenName}.#{sn}", LDAP_Unique_Identifier_Field="uid")
    assert store.find_user(username="bob.brown") is not None
    # zoe has a non-ASCII name: slugified to ASCII when UTF8_Names_Slugify is on (its default)
    zoe = store.find_user(ldap_id=b"zoe".hex())
    assert zoe["username"].isascii() and zoe["username"] == zoe["username"].lower()


def test_sync_username_not_slugified_when_utf8_names_slugify_is_off(store):
    assert store.setting("UTF8_Names_Slugify") is True
    synced(store, UTF8_Names_Slugify=False, LDAP_Username_Field="#{givenName}.#{sn}", LDAP_Unique_Identifier_Field="uid")
    assert store.find_user(username="Bob.Brown")["username"] == "Bob.Brown"     # case kept
    assert not store.find_user(ldap_id=b"zoe".hex())["username"].isascii()


def test_sync_unique_id_falls_back_to_the_search_field(store):
    synced(store, LDAP_Unique_Identifier_Field="")
    assert user(store, "bob")["services"]["ldap"] == {"id": b"bob".hex(), "idAttribute": "uid"}


def test_sync_updates_linked_users_and_keeps_local_ones(store):
    local = store.create_user(username="carol", name="Local Carol", email="carol@local.test", password="x")
    synced(store)
    assert user(store, "carol")["_id"] == local["_id"] and user(store, "carol")["ldap"] is False
    assert "username carol is already in use" in log_text(store)
    store.update_user(user(store, "bob")["_id"], name="Stale")
    engine(store).sync()
    assert user(store, "bob")["name"] == "Bob Brown"


def test_sync_merges_local_users_when_merge_is_on(store):
    local = store.create_user(username="carol", name="Local Carol", email="carol@example.org", password="x")
    synced(store, LDAP_Background_Sync_Merge_Existent_Users=True)
    merged = user(store, "carol")
    assert merged["_id"] == local["_id"] and merged["ldap"] is True and merged["name"] == "Carol Clark"


def test_sync_only_updates_when_import_is_off(store):
    engine(store).login("bob", sample_password("bob"))
    store.update_user(user(store, "bob")["_id"], name="Stale")
    synced(store, LDAP_Background_Sync_Import_New_Users=False)
    assert user(store, "bob")["name"] == "Bob Brown"
    assert [u["username"] for u in store.users() if u.get("ldap")] == ["bob"]


def test_sync_update_path_disables_users_missing_from_ldap(store):
    engine(store).login("bob", sample_password("bob"))
    ghost = ghost_user(store)
    synced(store, LDAP_Background_Sync_Import_New_Users=False, LDAP_Background_Sync_Disable_Missing_Users=True)
    assert store.find_user(user_id=ghost["_id"])["active"] is False
    assert user(store, "bob")["active"] is True


def test_sync_errors_are_logged_in_8x_and_raised_in_9x(store):
    configure(store, LDAP_Background_Sync=True, LDAP_Search_Size_Limit=5)
    engine(store, 8).sync()
    assert "sizeLimitExceeded" in log_text(store)
    with pytest.raises(LdapError) as error:
        engine(store, 9).sync()
    assert error.value.code == "LDAP_Sync_failed"
    assert error.value.rest_body("ldap.syncNow", 9)[1]["error"] == "LDAP_Sync_failed"


def test_sync_group_filter_keeps_only_members(store):
    synced(store, LDAP_Group_Filter_Enable=True, LDAP_Group_Filter_Group_Member_Format="#{userdn}")
    names = {u["username"] for u in store.users() if u.get("ldap")}
    assert "victor" not in names and "walter" not in names and "alice" in names


def test_sync_disables_missing_users(store):
    ghost = ghost_user(store)
    synced(store, LDAP_Background_Sync_Disable_Missing_Users=True)
    assert user(store, "ghost")["_id"] == ghost["_id"] and user(store, "ghost")["active"] is False
    assert user(store, "bob")["active"] is True


def test_sync_disables_missing_users_without_keeping_users_updated(store):
    """§6.4 step 4: Disable_Missing_Users alone decides; found users stay active and are not updated."""
    engine(store).login("bob", sample_password("bob"))
    store.update_user(user(store, "bob")["_id"], name="Stale")
    ghost = ghost_user(store)
    synced(store, LDAP_Background_Sync_Keep_Existant_Users_Updated=False,
           LDAP_Background_Sync_Disable_Missing_Users=True)
    assert store.find_user(user_id=ghost["_id"])["active"] is False
    assert user(store, "bob")["active"] is True and user(store, "bob")["name"] == "Stale"


def test_sync_disables_missing_users_with_import_and_updates_off(store):
    engine(store).login("bob", sample_password("bob"))
    store.update_user(user(store, "bob")["_id"], name="Stale")
    ghost = ghost_user(store)
    synced(store, LDAP_Background_Sync_Import_New_Users=False, LDAP_Background_Sync_Keep_Existant_Users_Updated=False,
           LDAP_Background_Sync_Disable_Missing_Users=True)
    assert store.find_user(user_id=ghost["_id"])["active"] is False
    assert user(store, "bob")["active"] is True and user(store, "bob")["name"] == "Stale"
    assert [u["username"] for u in store.users() if u.get("ldap")] == ["bob", "ghost"]


def test_sync_active_state(store):
    synced(store, LDAP_Sync_User_Active_State="none")
    assert user(store, LOCKED)["active"] is True
    configure(store, LDAP_Sync_User_Active_State="disable")
    engine(store).sync()
    assert user(store, LOCKED)["active"] is False
    assert user(store, "bob")["active"] is True
    store.update_user(user(store, "bob")["_id"], active=False)
    engine(store).sync()
    assert user(store, "bob")["active"] is False          # "disable" never re-activates
    configure(store, LDAP_Sync_User_Active_State="both")
    engine(store).sync()
    assert user(store, "bob")["active"] is True


CUSTOM_FIELD_MAP = '{"telephoneNumber": "phone", "#{sn}-x": "org.tag"}'


def test_sync_custom_fields_need_fields_defined_in_accounts_custom_fields(store):
    # Accounts_CustomFields is "" by default: no custom field is defined, so none is synced
    assert store.setting("Accounts_CustomFields") == ""
    synced(store, LDAP_Sync_Custom_Fields=True, LDAP_CustomFieldMap=CUSTOM_FIELD_MAP)
    assert user(store, "bob")["customFields"] == {}
    assert "no custom fields configured" in log_text(store)
    # only the fields the workspace defines are filled
    configure(store, Accounts_CustomFields='{"phone": {"type": "text", "required": false}}')
    engine(store).sync()
    assert set(user(store, "bob")["customFields"]) == {"phone"}
    assert "User attribute does not exist: org.tag" in log_text(store)


def test_sync_custom_fields_and_extension(store, directory):
    synced(store, LDAP_Sync_Custom_Fields=True, LDAP_CustomFieldMap=CUSTOM_FIELD_MAP,
           Accounts_CustomFields='{"phone": {"type": "text"}, "org": {"tag": {"type": "text"}}}',
           LDAP_Extension_Field="uidNumber")
    bob = user(store, "bob")
    assert bob["customFields"]["phone"] == admin_read(directory, bob_dn(), "telephoneNumber").decode()
    assert bob["customFields"]["org"] == {"tag": "Brown-x"}
    assert bob["freeSwitchExtension"] == admin_read(directory, bob_dn(), "uidNumber").decode()


# --- §6.4 roles ---------------------------------------------------------------------------------

ROLE_MAP = '{"rocket-admin": "admin", "manager": ["leader", "moderator.extra"], "tech-support": "no-such-role"}'


@pytest.mark.parametrize("strategy, role_filter", [
    ("each_group", None),                                   # the default (&(cn=#{groupName})(memberUid=#{username}))
    ("once", "(&(objectClass=posixGroup)(memberUid=#{username}))"),
])
def test_roles_from_posix_groups(store, strategy, role_filter):
    if role_filter:
        configure(store, LDAP_Sync_User_Data_Roles_Filter=role_filter)
    synced(store, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_RolesMap=ROLE_MAP,
           LDAP_Sync_User_Data_Roles_BaseDN="ou=groups,dc=example,dc=org",
           LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy=strategy)
    assert sorted(user(store, "alice")["roles"]) == ["admin", "user"]
    # "moderator.extra" is cut at its first dot; unknown roles are dropped
    assert sorted(user(store, "frank")["roles"]) == ["leader", "moderator", "user"]
    assert user(store, "carol")["roles"] == ["user"]
    if strategy == "once":
        assert "are not mapped in Rocket.Chat" in log_text(store)   # employee, developers


def test_roles_once_with_the_default_filter_matches_nothing(store):
    """'once' leaves #{groupName} in the filter as is, so the default filter finds no group."""
    synced(store, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_RolesMap=ROLE_MAP,
           LDAP_Sync_User_Data_Roles_BaseDN="ou=groups,dc=example,dc=org",
           LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy="once")
    assert user(store, "alice")["roles"] == ["user"]


@pytest.mark.parametrize("strategy", ["each_group", "once"])
def test_roles_from_group_of_names_by_user_dn(store, strategy):
    synced(store, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_RolesMap='{"admins": "admin"}',
           LDAP_Sync_User_Data_Roles_Filter="(&(objectClass=groupOfNames)(cn=#{groupName})(member=#{userdn}))"
           if strategy == "each_group" else "(&(objectClass=groupOfNames)(member=#{userdn}))",
           LDAP_Sync_User_Data_Roles_BaseDN="ou=groups,dc=example,dc=org",
           LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy=strategy)
    assert "admin" in user(store, "bob")["roles"]
    assert "admin" not in user(store, "carol")["roles"]


def test_roles_auto_remove_touches_only_mapped_roles(store):
    settings = dict(LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_RolesMap='{"rocket-admin": "admin"}',
                    LDAP_Sync_User_Data_Roles_BaseDN="ou=groups,dc=example,dc=org")
    synced(store, **settings)
    carol = user(store, "carol")
    store.add_user_roles(carol["_id"], ["admin", "livechat-agent"])
    engine(store).sync()
    assert "admin" in user(store, "carol")["roles"]       # no auto-remove: kept
    configure(store, LDAP_Sync_User_Data_Roles_AutoRemove=True)
    engine(store).sync()
    assert sorted(user(store, "carol")["roles"]) == ["livechat-agent", "user"]
    assert "admin" in user(store, "alice")["roles"]


def test_roles_without_base_dn_are_skipped_with_a_log_line(store):
    synced(store, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_RolesMap='{"rocket-admin": "admin"}')
    assert user(store, "alice")["roles"] == ["user"]
    assert "Please setup LDAP Group Filter and LDAP Group BaseDN in LDAP Settings." in log_text(store)


def test_roles_invalid_json_map_is_logged(store):
    synced(store, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_RolesMap="{not json",
           LDAP_Sync_User_Data_Roles_BaseDN="ou=groups,dc=example,dc=org")
    assert user(store, "alice")["roles"] == ["user"]
    assert "LDAP_Sync_User_Data_RolesMap" in log_text(store)


def test_roles_resolve_by_id_then_name(directory):
    store = world.new_store({"custom_roles": ["auditor"]})
    configure(store, **ldap_settings(directory))
    auditor_id = next(role_id for role_id, name in store.role_ids().items() if name == "auditor")
    synced(store, LDAP_Sync_User_Data_Roles=True,
           LDAP_Sync_User_Data_RolesMap=json.dumps({"rocket-admin": "auditor", "manager": auditor_id}),
           LDAP_Sync_User_Data_Roles_BaseDN="ou=groups,dc=example,dc=org")
    assert auditor_id in user(store, "alice")["roles"]
    assert auditor_id in user(store, "frank")["roles"]


def test_roles_on_login(store):
    configure(store, LDAP_Sync_User_Data_Roles=True, LDAP_Sync_User_Data_RolesMap='{"rocket-admin": "admin"}',
              LDAP_Sync_User_Data_Roles_BaseDN="ou=groups,dc=example,dc=org")
    assert "admin" in engine(store).login("bob", sample_password("bob"))["roles"]


# --- §6.4 channels and teams ------------------------------------------------------------------------

def test_channels_are_created_and_joined(store):
    synced(store, LDAP_Sync_User_Data_Channels=True,
           LDAP_Sync_User_Data_ChannelsMap='{"employee": "general", "tech-support": ["helpdesk", "support-room"]}',
           LDAP_Sync_User_Data_Channels_BaseDN="ou=groups,dc=example,dc=org")
    helpdesk = store.find_channel("helpdesk")
    assert helpdesk["customFields"] == {"ldap": True}
    assert helpdesk["u"]["username"] == "rocket.cat"
    assert user(store, "carol")["_id"] in helpdesk["members"]
    assert user(store, "bob")["_id"] not in helpdesk["members"]
    assert user(store, "bob")["_id"] in store.find_channel("general")["members"]


def test_channels_are_skipped_when_the_owner_does_not_exist(store):
    synced(store, LDAP_Sync_User_Data_Channels=True, LDAP_Sync_User_Data_ChannelsMap='{"tech-support": "helpdesk"}',
           LDAP_Sync_User_Data_Channels_BaseDN="ou=groups,dc=example,dc=org",
           LDAP_Sync_User_Data_Channels_Admin="no-such-admin")
    assert store.find_channel("helpdesk") is None


def test_channels_enforced_removes_non_members(store):
    settings = dict(LDAP_Sync_User_Data_Channels=True, LDAP_Sync_User_Data_ChannelsMap='{"tech-support": "helpdesk"}',
                    LDAP_Sync_User_Data_Channels_BaseDN="ou=groups,dc=example,dc=org")
    synced(store, **settings)
    bob_id = user(store, "bob")["_id"]
    room = store.find_channel("helpdesk")
    store.add_to_channel(room["_id"], bob_id)
    engine(store).sync()
    assert bob_id in store.find_channel("helpdesk")["members"]
    configure(store, LDAP_Sync_User_Data_Channels_Enforce_AutoChannels=True)
    engine(store).sync()
    assert bob_id not in store.find_channel("helpdesk")["members"]
    assert user(store, "carol")["_id"] in store.find_channel("helpdesk")["members"]


def test_teams_for_new_users_with_base_dn_fallback(store):
    synced(store, LDAP_Enable_LDAP_Groups_To_RC_Teams=True,
           LDAP_Groups_To_Rocket_Chat_Teams='{"Engineering": ["engineering"], "Sales": ["support"]}')
    engineering, support = store.find_team("engineering"), store.find_team("support")
    assert user(store, "heidi")["_id"] in engineering["members"]
    assert user(store, "nina")["_id"] in support["members"]
    assert user(store, "bob")["_id"] not in engineering["members"]
    # existing users are re-validated only with LDAP_Validate_Teams_For_Each_Login
    store.remove_from_team(engineering["_id"], user(store, "heidi")["_id"])
    engine(store).sync()
    assert user(store, "heidi")["_id"] not in store.find_team("engineering")["members"]
    configure(store, LDAP_Validate_Teams_For_Each_Login=True)
    engine(store).sync()
    assert user(store, "heidi")["_id"] in store.find_team("engineering")["members"]


# --- avatars and §6.5 auto-logout ------------------------------------------------------------------------

def test_avatar_sync(store, directory):
    synced(store, LDAP_Sync_User_Avatar=False)
    assert not user(store, "alice").get("avatarETag")
    configure(store, LDAP_Sync_User_Avatar=True, LDAP_Background_Sync_Avatars=True)
    engine(store).sync_avatars()
    photo = admin_read(directory, "uid=alice,ou=people,dc=example,dc=org", "jpegPhoto")
    assert user(store, "alice")["avatarETag"] == hashlib.sha256(photo).hexdigest()
    assert not user(store, "bob").get("avatarETag")


def test_auto_logout_removes_tokens_of_disabled_users(store):
    synced(store, LDAP_Sync_User_Active_State="none", LDAP_Sync_AutoLogout_Enabled=True)
    for name in (LOCKED, "alice"):
        store.add_login_token(user(store, name)["_id"], f"token-of-{name}")
    store.begin_request()
    engine(store).auto_logout()
    assert user(store, LOCKED)["services"]["resume"]["loginTokens"] == []
    assert len(user(store, "alice")["services"]["resume"]["loginTokens"]) == 1
    assert store.request_wrote()      # a forced logout changes state (the request log's `wrote`)
    store.begin_request()
    engine(store).auto_logout()       # nothing left to remove: no write
    assert not store.request_wrote()


def test_auto_logout_needs_its_setting(store):
    synced(store, LDAP_Sync_User_Active_State="none")
    store.add_login_token(user(store, LOCKED)["_id"], "token")
    engine(store).auto_logout()
    assert len(user(store, LOCKED)["services"]["resume"]["loginTokens"]) == 1


# --- AD flavour ---------------------------------------------------------------------------------------

def test_ad_sync_fields_guid_and_disabled_bit(ad_directory):
    store = world.new_store()
    configure(store, **ldap_settings(ad_directory, LDAP_Server_Type="ad"))
    synced(store)
    amy = user(store, "aadams")
    assert amy["services"]["ldap"]["idAttribute"] == "objectGUID"
    assert len(bytes.fromhex(amy["services"]["ldap"]["id"])) == 16
    assert amy["name"] == "Amy Adams"
    assert user(store, "ddiaz")["active"] is False      # userAccountControl 514
    assert user(store, "eellis")["active"] is False     # lockoutTime without lockoutDuration
    assert store.find_user(username="ffischer") is None


def test_ad_login_and_lookup_by_binary_guid(ad_directory):
    store = world.new_store()
    configure(store, **ldap_settings(ad_directory, LDAP_Server_Type="ad"))
    assert engine(store).login("aadams", sample_password("aadams"))["username"] == "aadams"
    configure(store, LDAP_Background_Sync=True, LDAP_Background_Sync_Import_New_Users=False)
    store.update_user(user(store, "aadams")["_id"], name="Stale")
    engine(store).sync()                                 # update path: findOneById on objectGUID
    assert user(store, "aadams")["name"] == "Amy Adams"


# --- performance ---------------------------------------------------------------------------------------

class _NoScanDict(dict):
    """users_by_id that refuses to be scanned: every lookup must come from an index."""

    def _scan(self, *args):
        raise AssertionError("the store scanned every user")

    values = items = keys = __iter__ = _scan


def test_store_finds_users_through_indexes_without_scanning():
    store = world.new_store()
    for n in range(50):
        store.create_user(username=f"Person{n}", name=f"P {n}", email=f"p{n}@example.org", ldap=True,
                          ldap_id=f"{n:04x}", ldap_id_attribute="uidNumber")
    store.users_by_id = _NoScanDict(store.users_by_id)
    found = store.find_user(username="person7")                       # usernames ignore case
    assert found["name"] == "P 7"
    assert store.find_user(email="P8@EXAMPLE.ORG")["username"] == "Person8"
    assert store.find_user(ldap_id=f"{9:04x}")["username"] == "Person9"
    assert store.find_user(user_id=found["_id"]) is found
    assert store.find_user(username="person7", email="p8@example.org") is None   # criteria combine
    assert store.find_user(username="nobody") is None
    store.create_user(username="newcomer", name="N", email="n@example.org")      # uniqueness check, no scan
    with pytest.raises(ValueError):
        store.create_user(username="PERSON1", name="dup", email=None)


def test_store_indexes_follow_updates_and_reset():
    store = world.new_store()
    carol = store.create_user(username="carol", name="Carol", email="carol@old.test")
    store.update_user(carol["_id"], username="carol2", email="carol@new.test", ldap=True, ldap_id="c0ffee",
                      ldap_id_attribute="uid")
    assert store.find_user(username="carol") is None and store.find_user(email="carol@old.test") is None
    assert store.find_user(username="CAROL2") is carol
    assert store.find_user(email="carol@new.test") is carol and store.find_user(ldap_id="c0ffee") is carol
    store.update_user(carol["_id"], ldap_id="beef")
    assert store.find_user(ldap_id="c0ffee") is None and store.find_user(ldap_id="beef") is carol
    with pytest.raises(ValueError):                                    # a failed rename keeps the index
        store.update_user(carol["_id"], username="admin")
    assert store.find_user(username="carol2") is carol
    # two users may share an address: the first created one is found, as a scan in creation order would
    twin = store.create_user(username="twin", name="Twin", email="carol@new.test")
    assert store.find_user(email="carol@new.test") is carol
    store.update_user(carol["_id"], email="carol@third.test")
    assert store.find_user(email="carol@new.test") is twin
    world.reset(store)
    assert store.find_user(username="carol2") is None and store.find_user(ldap_id="beef") is None
    assert store.find_user(username="admin")["roles"] == ["admin", "user"]


def test_sync_of_the_large_directory():
    """10,000 users in one paged search. slapd applies the size limit a client sends to the whole
    paged search, so with the default LDAP_Search_Size_Limit (1000) the search fails and the sync
    imports nobody (logged); without a limit every user comes in. The bound is on this process's
    CPU time (steady when other test runs load the machine): about 5 s here, of which ~3 s is
    ldap3 decoding the entries; a per-user scan of the user list made it ~22 s."""
    with Slapd("large") as slapd:
        store = world.new_store()
        configure(store, **ldap_settings(slapd.info))
        synced(store)
        assert not [u for u in store.users() if u.get("ldap")]
        assert "sizeLimitExceeded" in log_text(store)
        configure(store, LDAP_Search_Size_Limit=0)
        started = time.process_time()
        engine(store).sync()
        cpu_seconds = time.process_time() - started
    assert sum(1 for u in store.users() if u.get("ldap")) == 10000
    assert cpu_seconds < 12, f"sync of 10,000 users took {cpu_seconds:.1f}s of CPU"


# --- helpers ------------------------------------------------------------------------------------------

def bob_dn():
    return "uid=bob,ou=people,dc=example,dc=org"


def admin_read(info, dn, attribute):
    """Read one raw attribute as the directory admin (independent of the engine)."""
    server = ldap3.Server(info["host"], port=info["port"])
    with ldap3.Connection(server, info["ldap_admin_dn"], info["ldap_admin_password"], auto_bind=True) as conn:
        conn.search(dn, "(objectClass=*)", ldap3.BASE, attributes=[attribute])
        return conn.response[0]["raw_attributes"][attribute][0]


def closed_port():
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
