"""§7.3 users.list: the fixed projection (plus nameInsensitive), `fields` and `query` only with
ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS (7.x/8.x), refused by 9.0's schema, and never `services`."""

import json

import pytest
import requests

# §7.3: getNonEmptyFields' nine fields; a caller without view-full-other-user-info loses emails, roles, lastLogin.
DEFAULT_FIELDS = {"name", "username", "emails", "roles", "status", "active", "avatarETag", "lastLogin", "type"}
RESTRICTED_FIELDS = DEFAULT_FIELDS - {"emails", "roles", "lastLogin"}
NEVER_BY_DEFAULT = {"ldap", "services", "customFields", "createdAt", "utcOffset", "settings", "_updatedAt",
                    "freeSwitchExtension", "requirePasswordChange"}


def users_list(rc, headers=None, **params):
    return requests.get(rc.api("users.list"), params=params, headers=headers or rc.admin, timeout=10)


def listed(rc, headers=None, **params):
    reply = users_list(rc, headers, **params)
    assert reply.status_code == 200, reply.text
    return {user["username"]: user for user in reply.json()["users"]}


def unsafe_on(rc):
    rc.config(allow_unsafe_query_and_fields=True)


class TestProjection:
    def test_admin_sees_the_nine_fields_and_nothing_else(self, rc):
        users = listed(rc, count=0)
        for user in users.values():
            assert set(user) <= DEFAULT_FIELDS | {"_id", "nameInsensitive"}, user
            assert not set(user) & NEVER_BY_DEFAULT
        admin = users[rc.env["admin_username"]]
        assert {"_id", "name", "username", "emails", "roles", "status", "active", "type"} <= set(admin)
        assert "admin" in admin["roles"]

    def test_name_insensitive_is_the_lower_cased_name(self, rc):
        users = listed(rc, count=0)
        assert users[rc.env["admin_username"]]["nameInsensitive"] == users[rc.env["admin_username"]]["name"].lower()
        assert users["rocket.cat"]["nameInsensitive"] == "rocket.cat"

    def test_plain_user_sees_less(self, rc, user_headers):
        users = listed(rc, user_headers, count=0)
        assert rc.env["admin_username"] in users
        for user in users.values():
            assert set(user) <= RESTRICTED_FIELDS | {"_id", "nameInsensitive"}, user

    def test_ldap_user_is_listed_without_ldap_or_services(self, rc):
        rc.configure_ldap()
        reply = requests.post(rc.api("login"), json={"user": "alice", "password": "alice-pass"}, timeout=30)
        assert reply.status_code == 200, reply.text
        assert rc.user_info("alice").json()["user"]["ldap"] is True  # users.info has it (§7.2)
        alice = listed(rc, count=0)["alice"]
        assert "ldap" not in alice and "services" not in alice
        assert set(alice) <= DEFAULT_FIELDS | {"_id", "nameInsensitive"}


class TestFieldsAndQueryIgnoredByDefault:
    @pytest.mark.parametrize("fields", ['{"createdAt": 1, "customFields": 1, "services": 1}', '{"emails": 0}',
                                        "not json", '{"name": true}'])
    def test_fields_ignored(self, rc, fields):
        assert listed(rc, count=0, fields=fields) == listed(rc, count=0)

    @pytest.mark.parametrize("query", ['{"username": "user"}', '{"active": {"$ne": true}}', "not json"])
    def test_query_ignored(self, rc, query):
        assert listed(rc, count=0, query=query) == listed(rc, count=0)


class TestUnsafeFields:
    def test_fields_add_and_remove(self, rc):
        unsafe_on(rc)
        admin = listed(rc, count=0, fields=json.dumps({"createdAt": 1, "customFields": 1, "roles": 0}))[
            rc.env["admin_username"]]
        assert "createdAt" in admin and "customFields" in admin
        assert "roles" not in admin
        assert {"name", "username", "emails", "active"} <= set(admin)
        # the page cache keys on fields: the default projection again
        assert "createdAt" not in listed(rc, count=0)[rc.env["admin_username"]]

    def test_ldap_only_on_ldap_users(self, rc):
        rc.configure_ldap()
        assert requests.post(rc.api("login"), json={"user": "alice", "password": "alice-pass"},
                             timeout=30).status_code == 200
        unsafe_on(rc)
        users = listed(rc, count=0, fields='{"ldap": 1}')
        assert users["alice"]["ldap"] is True
        assert "ldap" not in users[rc.env["admin_username"]]

    @pytest.mark.parametrize("fields", [{"services": 1}, {"services.ldap": 1}, {"services.password": 1},
                                        {"services.resume.loginTokens": 1}, {"inviteToken": 1}])
    def test_services_never(self, rc, fields):
        unsafe_on(rc)
        for user in listed(rc, count=0, fields=json.dumps(fields)).values():
            assert "services" not in user and "inviteToken" not in user

    def test_plain_user_cannot_select_limited_fields(self, rc, user_headers):
        unsafe_on(rc)
        users = listed(rc, user_headers, count=0, fields='{"emails": 1, "roles": 1, "createdAt": 1, "services": 1}')
        for user in users.values():
            assert set(user) <= RESTRICTED_FIELDS | {"_id", "nameInsensitive"}, user

    def test_dropping_emails_breaks_the_admin_default_query(self, rc):
        """§7.3: the default e-mail clause must pass isValidQuery against the projection."""
        unsafe_on(rc)
        reply = users_list(rc, fields='{"emails": 0}')
        assert reply.status_code == 400, reply.text
        body = reply.json()
        assert body["success"] is False
        assert body["errorType"] == "error-invalid-query"
        assert "Invalid attribute: emails.address" in body["error"]

    @pytest.mark.parametrize("fields", ['{"name": true}', '{"name": 2}', "not json", "null", '"x"'])
    def test_invalid_fields(self, rc, fields):
        unsafe_on(rc)
        reply = users_list(rc, fields=fields)
        assert reply.status_code == 400, reply.text
        body = reply.json()
        assert body["errorType"] == "error-invalid-fields"
        assert body["error"] == 'Invalid fields parameter provided: "%s" [error-invalid-fields]' % fields
        assert body["details"] == {"helperMethod": "parseJsonQuery"}


class TestUnsafeQuery:
    def test_query_filters(self, rc):
        unsafe_on(rc)
        reply = users_list(rc, count=0, query=json.dumps({"username": rc.env["user_username"]}))
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert [u["username"] for u in body["users"]] == [rc.env["user_username"]]
        assert body["total"] == 1

    def test_query_regex(self, rc):
        unsafe_on(rc)
        users = listed(rc, count=0, query=json.dumps({"$or": [{"name": {"$regex": "^rocket", "$options": "i"}}]}))
        assert list(users) == ["rocket.cat"]

    @pytest.mark.parametrize("query,problem", [({"createdAt": {"$regex": "2"}}, "Invalid attribute: createdAt"),
                                               ({"active": {"$ne": True}}, "Invalid operation: $ne")])
    def test_query_checked_against_projection_and_operators(self, rc, query, problem):
        unsafe_on(rc)
        reply = users_list(rc, query=json.dumps(query))
        assert reply.status_code == 400, reply.text
        assert reply.json()["errorType"] == "error-invalid-query"
        assert problem in reply.json()["error"]

    def test_services_not_queryable(self, rc):
        """§7.3: non-queryable top-level keys are dropped, so the filter is as if not given."""
        unsafe_on(rc)
        assert listed(rc, count=0, query='{"services.password": {"$regex": ""}}') == listed(rc, count=0)

    def test_invalid_query(self, rc):
        unsafe_on(rc)
        reply = users_list(rc, query="not json")
        assert reply.status_code == 400
        assert reply.json()["errorType"] == "error-invalid-query"


class TestVersion9:
    @pytest.mark.parametrize("unsafe", [False, True])
    @pytest.mark.parametrize("param", ["fields", "query"])
    def test_refused(self, rc, unsafe, param):
        rc.config(version="9.0.0", allow_unsafe_query_and_fields=unsafe)
        reply = users_list(rc, **{param: '{"username": 1}'})
        assert reply.status_code == 400, reply.text
        assert reply.json()["success"] is False
        assert reply.json()["errorType"] == "error-invalid-params"

    def test_same_projection(self, rc):
        rc.config(version="9.0.0")
        for user in listed(rc, count=0).values():
            assert set(user) <= DEFAULT_FIELDS | {"_id", "nameInsensitive"}
