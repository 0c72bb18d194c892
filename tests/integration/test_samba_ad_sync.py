"""The sandbox's LDAP engine against a real Active Directory (the samba-ad flavour): Sync Now with
the AD branch of the settings (LDAP_Server_Type=ad, LDAP_AD_* fields at their defaults) imports the
people a nested group admits, gives them the roles of nested groups, links them by objectGUID
(hex, as Rocket.Chat stores it) and follows paged searches past the DC's referrals; LDAP login
binds against the DC. REST calls only: the collection's own runs against AD come later (issue 11)."""

import json
import uuid

import ldap3
import requests

from tests.sandbox.ldap import samba_data

IN_CHAIN = "1.2.840.113556.1.4.1941"
ROLES_MAP = {"rocketchat-admins": "admin", "helpdesk-agents": "livechat-agent", "engineering": "livechat-monitor"}


def rest(sandbox, method, route, **kwargs):
    reply = sandbox.http.request(method, f"{sandbox.url}/api/v1/{route}", headers=sandbox.admin_headers,
                                 timeout=120, **kwargs)
    assert reply.status_code == 200, reply.text
    return reply.json()


def ad_settings(ad, **overrides):
    """What an administrator sets for AD: the DC by address, the service account by UPN, people
    admitted by a nested group, the default LDAP_AD_* fields (sAMAccountName, mail, cn)."""
    admitted = samba_data.group_dn("rocketchat-users")
    values = {
        "LDAP_Enable": True,
        "LDAP_Server_Type": "ad",
        "LDAP_Host": ad["host"],
        "LDAP_Port": ad["port"],
        "LDAP_Encryption": "plain",
        "LDAP_BaseDN": ad["ldap_base_dn"],  # the domain root: the DC also answers referrals
        "LDAP_Authentication": True,
        "LDAP_Authentication_UserDN": ad["ldap_bind_upn"],
        "LDAP_Authentication_Password": ad["ldap_bind_password"],
        "LDAP_User_Search_Filter": f"(&(objectCategory=person)(objectClass=user)(memberOf:{IN_CHAIN}:={admitted}))",
        "LDAP_Search_Page_Size": 10,
        "LDAP_Background_Sync": True,
        "LDAP_Sync_User_Active_State": "both",
        "LDAP_Sync_User_Data_Roles": True,
        "LDAP_Sync_User_Data_Roles_BaseDN": ad["groups_dn"],
        "LDAP_Sync_User_Data_Roles_Filter": f"(&(objectClass=group)(cn=#{{groupName}})(member:{IN_CHAIN}:=#{{userdn}}))",
        "LDAP_Sync_User_Data_RolesMap": json.dumps(ROLES_MAP),
    }
    values.update(overrides)
    return values


def configure(sandbox, values):
    rest(sandbox, "POST", "settings", json={"settings": [{"_id": k, "value": v} for k, v in values.items()]})


def ldap_users(sandbox):
    return {user["username"]: user for user in sandbox.state()["users"] if user.get("services", {}).get("ldap")}


def directory_guid(ad, login):
    conn = ldap3.Connection(ldap3.Server(ad["host"], port=ad["port"], get_info=ldap3.NONE), ad["ldap_bind_dn"],
                            ad["ldap_bind_password"], auto_bind=True)
    conn.search(ad["users_dn"], f"(sAMAccountName={login})", attributes=["objectGUID"])
    (entry,) = [item for item in conn.response if item["type"] == "searchResEntry"]
    return entry["raw_attributes"]["objectGUID"][0]


def test_sync_now_imports_the_people_of_a_nested_group_with_nested_group_roles(sandbox_clean, samba_ad):
    sandbox, ad = sandbox_clean, samba_ad.info
    configure(sandbox, ad_settings(ad))
    assert rest(sandbox, "POST", "ldap.syncNow")["success"] is True
    users = ldap_users(sandbox)
    log = "\n".join(item["line"] for item in sandbox.state()["log"])

    # 38 people are in rocketchat-users through four levels of groups; ffischer has no mail and
    # no default domain is set, so Rocket.Chat cannot import him; contractors are not admitted
    assert len(users) == 37, sorted(users)
    assert ad["no_mail_user"] not in users and "Failed to get email address" in log
    assert not {"kberg", "plund", "svc-rocketchat", "Administrator"} & set(users)
    assert "LDAP finished loading users. Users added to importer: 38" in log

    amy = users[ad["sample_user"]]  # dev-backend > engineering > staff > rocketchat-users
    assert amy["name"] == "Amy Adams" and amy["emails"][0]["address"] == "amy.adams@corp.example.com"
    assert sorted(amy["roles"]) == ["livechat-monitor", "user"]
    assert sorted(users["bbaker"]["roles"]) == ["admin", "livechat-monitor", "user"]
    assert sorted(users["vvargas"]["roles"]) == ["livechat-agent", "user"]  # support > helpdesk-agents
    assert sorted(users["tthomas"]["roles"]) == ["livechat-agent", "user"]  # direct member too
    assert sorted(users["mmorgan"]["roles"]) == ["user"]
    assert sorted(users["cestrada"]["roles"]) == ["admin", "user"]

    # objectGUID is the unique identifier: its 16 raw bytes, hex-encoded
    ldap = amy["services"]["ldap"]
    assert ldap["idAttribute"] == "objectGUID"
    assert bytes.fromhex(ldap["id"]) == directory_guid(ad, ad["sample_user"]) and len(ldap["id"]) == 32
    assert uuid.UUID(bytes_le=bytes.fromhex(ldap["id"]))

    # AD account state: disabled (userAccountControl 514) and locked (lockoutTime) import inactive
    assert users[ad["disabled_user"]]["active"] is False and users[ad["locked_user"]]["active"] is False
    assert users["jstrasse"]["name"] == "Jørgen Straße" and users["ipetrov"]["name"] == "Иван Петров"
    assert users["yyoung"]["name"] == "Young, Yusuf" and users["yyoung"]["active"] is True

    # a second sync finds everyone again by objectGUID: nothing new, nobody deactivated
    assert rest(sandbox, "POST", "ldap.syncNow")["success"] is True
    again = ldap_users(sandbox)
    assert set(again) == set(users)
    assert {name: (u["active"], sorted(u["roles"])) for name, u in again.items()} == \
        {name: (u["active"], sorted(u["roles"])) for name, u in users.items()}


def test_ldap_login_against_the_dc(sandbox_clean, samba_ad):
    sandbox, ad = sandbox_clean, samba_ad.info
    configure(sandbox, ad_settings(ad, LDAP_Background_Sync=False))
    login = f"{sandbox.url}/api/v1/login"
    reply = requests.post(login, json={"user": "yyoung", "password": "yyoung-pass"}, timeout=30)
    assert reply.status_code == 200, reply.text
    user = next(u for u in sandbox.state()["users"] if u["username"] == "yyoung")
    assert user["name"] == "Young, Yusuf" and user["services"]["ldap"]["idAttribute"] == "objectGUID"
    assert sorted(user["roles"]) == ["livechat-agent", "user"]  # roles synced at login, nested groups
    # the DC refuses the disabled account's bind, and a wrong password: the local login fails too
    for name, password in ((ad["disabled_user"], f"{ad['disabled_user']}-pass"), ("aadams", "wrong")):
        refused = requests.post(login, json={"user": name, "password": password}, timeout=30)
        assert refused.status_code == 401, refused.text
