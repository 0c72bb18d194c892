"""The sandbox's real LDAP work (ldap3 against a real slapd): the quick actions, LDAP login,
background sync, avatar sync and auto-logout, following REST-CONTRACT.md §2.1 and §6.

The route handlers reach only :class:`LdapEngine`, through ldap_bridge.py. Everything the real server only logs goes to
``store.log()``; nothing here writes a secret to the log or into an exception.

Errors and the replies the server makes of them
-----------------------------------------------

``LdapError(code, details, reason)`` (and its subclass ``LdapLoginError``) is raised with:

====================================  ==========================================================
raised by / code                      HTTP reply (status 400 unless stated)
====================================  ==========================================================
test_connection:                      8.x: ``{"success":false,"error":"Connection_failed"}``
``error-ldap-connection-failed``      9.0: ``{"success":false,"error":"LDAP_Connection_failed_reason",
(socket, DNS, timeout, TLS, StartTLS;       "errorType":"error-ldap-connection-failed",
details ``{"reason": text}``)               "details":{"reason":text}}``
test_connection: ``LDAP_Bind_failed``  raised only when major_version >= 9 (8.x logs the failed
(details ``{"error": server text}``)  service bind and the test passes). 9.0:
                                      ``{"success":false,"error":"LDAP_Bind_failed","details":{...}}``
test_search: ``LDAP_User_not_found``   8.x: ``{"success":false,"error":"LDAP_search_failed"}``;
(details ``{"total": 0}``),           9.0: ``{"success":false,"error":<code>,"details":<details>}``
``LDAP_Multiple_users_found``          (develop's exact codes are not confirmed by the contract;
(details ``{"total": n}``)            these are its i18n keys)
test_search: any other code            8.x and 9.0: ``{"success":false,"error":"LDAP_search_failed"}``
(connection, bind, search failure)
login: ``LdapLoginError``              401 ``{"success":false,"status":"error","error":<code>,
``LDAP-login-error`` (existing          "message":<reason>}`` (``details`` only when not None;
unlinked user, merge off)             9.0 drops status/message per the contract)
login: plain ``LdapError``             500 ``{"success":false,"error":"Internal server error"}``
``error-ldap-internal`` (the entry    (a non-Meteor error thrown in the login handler)
cannot be mapped, e.g. no e-mail)
sync: ``LDAP_Sync_failed``             only when major_version >= 9 (8.x logs only and replies
(details ``{"reason": text}``)        ``Sync_in_progress``): ``{"success":false,"error":"LDAP_Sync_failed","details":...}``
====================================  ==========================================================

:meth:`LdapError.rest_body` returns these bodies; the server may use it. Checks that come before
the engine (auth, permission, licence, ``LDAP_disabled``, 9.0's ``LDAP_Background_Sync_disabled``,
2FA) are the server's.

Where the contract and Rocket.Chat's code differ, the contract is followed: the background sync
merges unlinked local users when ``LDAP_Background_Sync_Merge_Existent_Users`` is on, and both
membership strategies log and skip when the filter or base DN is empty.
"""

import hashlib
import json

from tests.sandbox.rocketchat.ldap_connection import (
    CONNECTION_FAILED, LdapConnection, LdapError, LdapLoginError, escape_username)
from tests.sandbox.rocketchat.ldap_mapping import RejectedEntry, UserMapper, is_deactivated

__all__ = ["LdapEngine", "LdapError", "LdapLoginError"]

USER_NOT_FOUND = "LDAP_User_not_found"
MULTIPLE_USERS_FOUND = "LDAP_Multiple_users_found"
LOGIN_ERROR = "LDAP-login-error"
INTERNAL = "error-ldap-internal"
SYNC_FAILED = "LDAP_Sync_failed"
_NO_GROUP_SETUP = "LDAP ➔ error Please setup LDAP Group Filter and LDAP Group BaseDN in LDAP Settings."


def _rest_body(self, route, major_version):
    """The JSON body the server answers for this error on ``route`` (see the module docstring)."""
    if route == "login":
        if not isinstance(self, LdapLoginError):
            return 500, {"success": False, "error": "Internal server error"}
        body = {"success": False, "error": self.code}
        if major_version < 9:
            body.update({"status": "error", "message": self.reason or self.code})
            if self.details:
                body["details"] = self.details
        return 401, body
    if route == "ldap.testConnection":
        if major_version < 9:
            return 400, {"success": False, "error": "Connection_failed"}
        if self.code == CONNECTION_FAILED:
            return 400, {"success": False, "error": "LDAP_Connection_failed_reason",
                         "errorType": CONNECTION_FAILED, "details": self.details}
        return 400, {"success": False, "error": self.code, "details": self.details}
    if route == "ldap.testSearch":
        if major_version >= 9 and self.code in (USER_NOT_FOUND, MULTIPLE_USERS_FOUND):
            return 400, {"success": False, "error": self.code, "details": self.details}
        return 400, {"success": False, "error": "LDAP_search_failed"}
    if route == "ldap.syncNow":
        return 400, {"success": False, "error": self.code, "details": self.details}
    raise ValueError(f"no LDAP error body for route {route!r}")


LdapError.rest_body = _rest_body


class LdapEngine:
    def __init__(self, store, *, major_version):
        self._store = store
        self._major = int(major_version)
        self._mapper = UserMapper(store.setting, store.log)

    # --- helpers -----------------------------------------------------------------------

    def _setting(self, setting_id):
        return self._store.setting(setting_id)

    def _log(self, line):
        self._store.log(line)

    def _connection(self):
        return LdapConnection(self._setting, self._log, major_version=self._major)

    def _parse_map(self, setting_id):
        text = str(self._setting(setting_id) or "").strip()
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except ValueError as error:
            self._log(f"LDAP ➔ error Unexpected error parsing {setting_id}: {error}")
            return None
        return parsed if isinstance(parsed, dict) else None

    # --- quick actions (§6.1, §6.2) ------------------------------------------------------

    def test_connection(self):
        """Connect (StartTLS for ``tls``) and bind the service account; see the module docstring."""
        with self._connection() as conn:
            conn.connect()

    def test_search(self, username):
        """The user search with the typed name: exactly one entry, else an error."""
        escaped = escape_username(username)
        with self._connection() as conn:
            conn.connect()
            found = conn.search_by_username(escaped)
        if len(found) != 1:
            self._log(f"LDAP ➔ debug Search returned {len(found)} records for {escaped}")
            code = USER_NOT_FOUND if not found else MULTIPLE_USERS_FOUND
            raise LdapError(code, {"total": len(found)}, reason="User not found")

    # --- login (§2.1) ----------------------------------------------------------------------

    def login(self, username, password):
        """LDAP login: the Rocket.Chat user dict, or None to fall back to the local login.

        Raises LdapLoginError when LDAP accepted the password but an unlinked local user has the
        name and merging is off; LdapError(``error-ldap-internal``) when the entry cannot be mapped.
        """
        if self._setting("LDAP_Enable") is not True:
            return None
        username = str(username)
        with self._connection() as conn:
            try:
                conn.connect()
                entry = self._find_login_entry(conn, username, str(password or ""))
            except LdapError as error:
                self._log(f"LDAP ➔ error {error.reason or error.code}")
                entry = None
            if entry is None:
                self._log(f"LDAP ➔ debug Fallback to default account system: {username}")
                return None
            slugified = self._mapper.login_username(entry, username)
            try:
                data = self._mapper.map(entry, used_username=slugified)
            except RejectedEntry as error:
                self._log(f"LDAP ➔ error {error}")
                raise LdapError(INTERNAL, reason=str(error)) from None
            user = self._linked_user(data) or self._user_named_exactly(slugified)
            if user is not None:
                return self._login_existing(conn, user, entry, data, password)
            return self._login_new(conn, entry, data, slugified, password)

    def _find_login_entry(self, conn, username, password):
        escaped = escape_username(username)
        found = conn.search_by_username(escaped)
        if len(found) != 1:
            self._log(f"LDAP ➔ debug Search returned {len(found)} records for {escaped}")
            return None
        entry = found[0]
        if not conn.group_filter_accepts(escaped, entry.dn):
            self._log(f"LDAP ➔ error User not in a valid group: {escaped}")
            return None
        user_conn = conn.authenticate(entry.dn, password)
        if user_conn is None:
            self._log(f"LDAP ➔ debug Wrong password for {escaped}")
            return None
        try:
            if self._setting("LDAP_Find_User_After_Login") is True:
                try:
                    if conn.count(entry.dn, "(objectclass=*)", scope=conn.user_search_scope, conn=user_conn) == 0:
                        self._log(f"LDAP ➔ debug Bind successful but user {entry.dn} was not found via search")
                except LdapError:
                    pass  # the result of this search is only logged
        finally:
            user_conn.unbind()
        return entry

    def _login_existing(self, conn, user, entry, data, password):
        if not user.get("ldap") and self._setting("LDAP_Merge_Existing_Users") is not True:
            raise LdapLoginError(
                LOGIN_ERROR,
                reason=("LDAP Authentication succeeded, but there's already an existing user with provided "
                        f"username [{user['username']}] in Mongo."))
        # Merging a local user always syncs its data, whatever Update_Data_On_Login says.
        sync_data = not user.get("ldap") or self._setting("LDAP_Update_Data_On_Login") is not False
        if sync_data:
            user = self._update_user(user, data)
        self._on_login(conn, user, entry, password, is_new=False, synced=sync_data)
        return self._store.find_user(user_id=user["_id"])

    def _login_new(self, conn, entry, data, slugified, password):
        if not self._mapper.username_field():
            data["username"] = slugified
        clash = self._clash(data["username"], data["emails"])
        if clash:
            self._log(f"LDAP ➔ error Cannot create the LDAP user: {clash}")
            return None
        user = self._create_user(data)
        self._on_login(conn, user, entry, password, is_new=True, synced=True)
        return self._store.find_user(user_id=user["_id"])

    def _on_login(self, conn, user, entry, password, *, is_new, synced):
        if self._setting("LDAP_Login_Fallback") is True and isinstance(password, str) and password.strip():
            with self._store.lock:
                self._store.set_local_password(user["_id"], password)
        self._sync_avatar(user, entry)
        if synced:
            self._advanced_sync(conn, user, entry.dn, is_new)

    # --- users ---------------------------------------------------------------------------

    # The importer's lookups, answered by the store's indexes (one lookup per entry, not a scan).
    def _linked_user(self, data):
        """``findOneByLDAPId``: the unique id, and its attribute when one is given."""
        user = self._store.find_user(ldap_id=data["ldap_id"])
        attribute = data["ldap_id_attribute"]
        if user and attribute and ((user.get("services") or {}).get("ldap") or {}).get("idAttribute") != attribute:
            return None
        return user

    def _user_named_exactly(self, username):
        user = self._store.find_user(username=username)
        return user if user is not None and user["username"] == username else None

    def _unlinked_user(self, emails, username):
        """Merge candidates: an unlinked user by first e-mail, then by username ignoring case."""
        for user in (self._store.find_user(email=emails[0]) if emails else None,
                     self._store.find_user(username=username) if username else None):
            if user and not user.get("ldap"):
                return user
        return None

    def _clash(self, username, emails):
        if username and self._store.find_user(username=username) is not None:
            return f"username {username} is already in use"
        for email in emails:
            if self._store.find_user(email=email) is not None:
                return f"e-mail {email} is already in use"
        return None

    def _create_user(self, data):
        with self._store.lock:
            user = self._store.create_user(
                username=data["username"], name=data["name"] or data["username"], email=data["emails"][0],
                ldap=True, ldap_id=data["ldap_id"], ldap_id_attribute=data["ldap_id_attribute"],
                roles=("user",), custom_fields=data["custom_fields"], extension=data["extension"],
                active=not data["deleted"])
        self._log(f"LDAP ➔ info Created user {data['username']} from {data['dn']}")
        return user

    def _update_user(self, user, data):
        fields = {"ldap": True, "ldap_id": data["ldap_id"], "ldap_id_attribute": data["ldap_id_attribute"],
                  "email": data["emails"][0]}
        if data["username"] and data["username"] != user.get("username"):
            fields["username"] = data["username"]
        if data["name"]:
            fields["name"] = data["name"]
        if data["extension"]:
            fields["extension"] = data["extension"]
        if data["custom_fields"]:
            fields["custom_fields"] = {**(user.get("customFields") or {}), **data["custom_fields"]}
        if data["deleted"] is not None:
            fields["active"] = not data["deleted"]
        with self._store.lock:
            return self._store.update_user(user["_id"], **fields)

    # --- background sync (§6.4) ------------------------------------------------------------

    def sync(self):
        """Import/update users, then roles, channels and teams; a no-op unless LDAP_Enable and
        LDAP_Background_Sync. Errors are logged (8.x) or raised as LDAP_Sync_failed (9.0)."""
        if self._setting("LDAP_Enable") is not True or self._setting("LDAP_Background_Sync") is not True:
            return
        create_new = self._setting("LDAP_Background_Sync_Import_New_Users") is not False
        update_existing = self._setting("LDAP_Background_Sync_Keep_Existant_Users_Updated") is not False
        merge = self._setting("LDAP_Background_Sync_Merge_Existent_Users") is True
        # §6.4 step 4: no other condition (whether existing users are kept updated does not matter)
        disable_missing = self._setting("LDAP_Background_Sync_Disable_Missing_Users") is True
        self._log("LDAP ➔ info Starting background sync")
        with self._connection() as conn:
            try:
                conn.connect()
                if create_new or merge:
                    found = self._import_users(conn, create_new, update_existing, merge)
                elif update_existing or disable_missing:
                    found = self._update_existing_users(conn, update=update_existing)
                if disable_missing:
                    self._disable_missing(found)
            except LdapError as error:
                self._log(f"LDAP ➔ error Sync failed: {error.reason or error.code} {error.details or ''}")
                if self._major >= 9:
                    raise LdapError(SYNC_FAILED, {"reason": error.reason or error.code}) from None
        self._log("LDAP ➔ info Background sync finished")

    def _import_users(self, conn, create_new, update_existing, merge):
        """One paged search of every user, then each entry through the converter rules; returns the
        ids of the users the entries matched or created."""
        entries = conn.search_all_users()
        self._log(f"LDAP ➔ info LDAP finished loading users. Users added to importer: {len(entries)}")
        found = set()
        for entry in entries:
            ldap_username = self._mapper.ldap_username(entry) or ""
            if not conn.group_filter_accepts(escape_username(ldap_username), entry.dn):
                self._log(f"LDAP ➔ debug {entry.dn} rejected by the group filter")
                continue
            try:
                data = self._mapper.map(entry)
            except RejectedEntry as error:
                self._log(f"LDAP ➔ error {error}: {entry.dn}")
                continue
            user = self._linked_user(data)
            if user is None and merge:
                user = self._unlinked_user(data["emails"], data["username"])
            if user is not None:
                found.add(user["_id"])
                if not update_existing:
                    continue
                user = self._update_user(user, data)
                is_new = False
            else:
                if not create_new:
                    continue
                clash = self._clash(data["username"], data["emails"])
                if clash:
                    self._log(f"LDAP ➔ error Failed to import {entry.dn}: {clash}")
                    continue
                user = self._create_user(data)
                found.add(user["_id"])
                is_new = True
            self._advanced_sync(conn, user, entry.dn, is_new)
        return found

    def _ldap_users(self):
        with self._store.lock:
            return [user for user in self._store.users() if user.get("ldap")]

    def _find_ldap_entry(self, conn, user):
        """``findLDAPUser``: by the stored unique id, else by username (exactly one match)."""
        ldap = (user.get("services") or {}).get("ldap") or {}
        if ldap.get("id"):
            return conn.find_one_by_id(ldap["id"], ldap.get("idAttribute"))
        if user.get("username"):
            return conn.find_one_by_username(user["username"])
        return None

    def _update_existing_users(self, conn, update):
        """Look every LDAP-linked user up; update the found ones when `update`; returns their ids."""
        found = set()
        for user in self._ldap_users():
            entry = self._find_ldap_entry(conn, user)
            if entry is None:
                continue
            found.add(user["_id"])
            if not update:
                continue
            try:
                data = self._mapper.map(entry, used_username=user.get("username"))
            except RejectedEntry as error:
                self._log(f"LDAP ➔ error {error}: {entry.dn}")
                continue
            user = self._update_user(user, data)
            self._advanced_sync(conn, user, entry.dn, False)
        return found

    def _disable_missing(self, found):
        for user in self._ldap_users():
            if user["_id"] not in found:
                self._deactivate(user)

    def _deactivate(self, user):
        if user.get("active") is False:
            return
        self._log(f"LDAP ➔ info Deactivating user {user.get('username')}: not found in LDAP")
        with self._store.lock:
            self._store.update_user(user["_id"], active=False)

    # --- roles, channels, teams ------------------------------------------------------------

    def _advanced_sync(self, conn, user, dn, is_new):
        try:
            conn.bind_service()
            self._sync_roles(conn, user, dn)
            self._sync_channels(conn, user, dn)
            self._sync_teams(conn, user, dn, is_new)
        except LdapError as error:
            self._log(f"LDAP ➔ debug Advanced Sync failed for user: {dn}")
            self._log(f"LDAP ➔ error {error.reason or error.code}")

    def _user_in_group(self, conn, base_dn, search_filter, user, dn, group_name):
        """``isUserInGroup`` (each_group): one ``sub`` search per group, member if any entry."""
        if not search_filter or not base_dn:
            self._log(_NO_GROUP_SETUP)
            return False
        resolved = (search_filter.replace("#{username}", user["username"])
                    .replace("#{groupName}", group_name)
                    .replace("#{userdn}", dn.replace("\\", "\\5c")))
        member = bool(conn.search(base_dn, resolved, scope="sub", attributes=["1.1"]))
        self._log(f"LDAP ➔ debug {user['username']} is {'' if member else 'not '}in {group_name} group")
        return member

    def _user_groups(self, conn, base_dn, search_filter, user, dn, name_fields="ou,cn", check_base_dn=True):
        """``getLdapGroupsByUsername`` (once, and teams): one search; each entry gives the values
        of its first present name attribute."""
        if not search_filter or (check_base_dn and not base_dn):
            if check_base_dn:
                self._log(_NO_GROUP_SETUP)
            return []
        resolved = search_filter.replace("#{username}", user["username"]).replace("#{userdn}", dn.replace("\\", "\\5c"))
        fields = [field.strip() for field in str(name_fields).split(",")] if name_fields else ["ou", "cn"]
        groups = []
        for entry in conn.search(base_dn, resolved, size_limit=conn.size_limit, attributes=fields):
            for field in fields:
                if entry.raw.get(field):
                    groups.extend(entry.values(field))
                    break
        return groups

    def _mapped(self, group_map, groups):
        """``getDataMappedByLdapGroups``: the values of the mapped groups (flattened, unique);
        unmapped group names are logged."""
        unmapped = [group for group in groups if group not in group_map]
        if unmapped:
            self._log(f'LDAP ➔ error The following LDAP groups are not mapped in Rocket.Chat: "{", ".join(unmapped)}".')
        result = []
        for group in groups:
            if group in group_map:
                for value in _as_list(group_map[group]):
                    if value not in result:
                        result.append(value)
        return result

    def _matched(self, conn, prefix, group_map, user, dn):
        """Groups of ``group_map`` the user is in and the values they map to, by the strategy."""
        base_dn = str(self._setting(f"{prefix}_BaseDN") or "").strip()
        search_filter = str(self._setting(f"{prefix}_Filter") or "").strip()
        if self._setting(f"{prefix}_GroupMembershipValidationStrategy") == "once":
            groups = self._user_groups(conn, base_dn, search_filter, user, dn)
            return [group for group in groups if group in group_map], self._mapped(group_map, groups)
        groups, values = [], []
        for group in group_map:
            if self._user_in_group(conn, base_dn, search_filter, user, dn, group):
                groups.append(group)
                values.extend(_as_list(group_map[group]))
        return groups, values

    def _sync_roles(self, conn, user, dn):
        if self._setting("LDAP_Sync_User_Data_Roles") is not True:
            return
        group_map = self._parse_map("LDAP_Sync_User_Data_RolesMap")
        if not group_map:
            return
        roles = self._store.role_ids()

        def resolve(values):
            resolved = []
            for value in values:
                wanted = str(value).split(".", 1)[0]
                role_id = wanted if wanted in roles else next((rid for rid, name in roles.items() if name == wanted), None)
                if role_id is not None and role_id not in resolved:
                    resolved.append(role_id)
            return resolved

        allowed = resolve(self._mapped(group_map, list(group_map)))
        _, values = self._matched(conn, "LDAP_Sync_User_Data_Roles", group_map, user, dn)
        wanted = resolve(values)
        current = list(user.get("roles") or ())
        to_add = [role for role in wanted if role not in current]
        to_remove = []
        if self._setting("LDAP_Sync_User_Data_Roles_AutoRemove") is True:
            to_remove = [role for role in current if role in allowed and role not in wanted]
        with self._store.lock:
            if to_add:
                self._store.add_user_roles(user["_id"], to_add)
            if to_remove:
                self._store.remove_user_roles(user["_id"], to_remove)
        if to_add or to_remove:
            self._log(f"LDAP ➔ info Roles of {user['username']}: added {to_add}, removed {to_remove}")

    def _sync_channels(self, conn, user, dn):
        if self._setting("LDAP_Sync_User_Data_Channels") is not True:
            return
        group_map = self._parse_map("LDAP_Sync_User_Data_ChannelsMap")
        if not group_map:
            return
        groups, names = self._matched(conn, "LDAP_Sync_User_Data_Channels", group_map, user, dn)
        joined = set()
        for name in names:
            room = self._channel_for_sync(str(name).strip())
            if room is None:
                continue
            if room.get("teamMain"):
                self._log(f"LDAP ➔ error Can't add user to channel {name} because it is a team.")
                continue
            joined.add(room["_id"])
            with self._store.lock:
                self._store.add_to_channel(room["_id"], user["_id"])
        if self._setting("LDAP_Sync_User_Data_Channels_Enforce_AutoChannels") is not True:
            return
        stale = self._mapped(group_map, [group for group in group_map if group not in groups])
        for name in stale:
            room = self._store.find_channel(str(name).strip())
            # The server `return`s here, not `continue`s: the first stale name that is missing, a team's
            # main room or a room just joined ends the removal pass (ee/server/lib/ldap/Manager.ts).
            if room is None or room.get("teamMain") or room["_id"] in joined:
                break
            with self._store.lock:
                self._store.remove_from_channel(room["_id"], user["_id"])

    def _channel_for_sync(self, name):
        room = self._store.find_channel(name)
        if room is not None:
            return room
        owner = str(self._setting("LDAP_Sync_User_Data_Channels_Admin") or "")
        owner_user = self._store.find_user(username=owner)  # findOneByUsernameIgnoringCase
        if owner_user is None:
            self._log(f"LDAP ➔ error Failed to sync user room, channel = {name}: "
                      f"channel owner {owner} does not exist")
            return None
        self._log(f"LDAP ➔ debug Channel '{name}' doesn't exist, creating it.")
        with self._store.lock:
            return self._store.create_channel(name, owner_user["username"], {"ldap": True})

    def _sync_teams(self, conn, user, dn, is_new):
        if self._setting("LDAP_Enable_LDAP_Groups_To_RC_Teams") is not True:
            return
        if not is_new and self._setting("LDAP_Validate_Teams_For_Each_Login") is not True:
            return
        base_dn = str(self._setting("LDAP_Teams_BaseDN") or "").strip() or conn.base_dn
        groups = self._user_groups(conn, base_dn, str(self._setting("LDAP_Query_To_Get_User_Teams") or ""),
                                   user, dn, self._setting("LDAP_Teams_Name_Field"), check_base_dn=False)
        team_map = self._parse_map("LDAP_Groups_To_Rocket_Chat_Teams")
        if not team_map:
            return
        wanted = self._mapped(team_map, groups)
        all_names = []
        for value in team_map.values():
            all_names.extend(name for name in _as_list(value) if name not in all_names)
        for name in all_names:
            team = self._store.find_team(name)
            if team is None:
                continue
            with self._store.lock:
                if name in wanted:
                    self._store.add_to_team(team["_id"], user["_id"])
                else:
                    self._store.remove_from_team(team["_id"], user["_id"])

    # --- avatars (§6.4) and auto-logout (§6.5) ------------------------------------------------

    def _sync_avatar(self, user, entry):
        """``syncUserAvatar``: LDAP_Avatar_Field, else thumbnailPhoto, else jpegPhoto; set when
        the SHA-256 of the image differs from the stored one."""
        if self._setting("LDAP_Sync_User_Avatar") is not True:
            return
        field = str(self._setting("LDAP_Avatar_Field") or "").strip()
        image = None
        for candidate in ([field] if field else []) + ["thumbnailPhoto", "jpegPhoto"]:
            if entry.raw.get(candidate):
                image = entry.raw_first(candidate)
                break
        if not image:
            return
        digest = hashlib.sha256(image).hexdigest()
        if _avatar_sha256(user) == digest:
            return
        self._log(f"LDAP ➔ debug Syncing user avatar {user.get('username')}")
        with self._store.lock:
            self._store.update_user(user["_id"], avatar_sha256=digest)

    def sync_avatars(self):
        """The ``LDAP_AvatarSync`` job / the second half of Sync Now."""
        if self._setting("LDAP_Enable") is not True or self._setting("LDAP_Background_Sync_Avatars") is not True:
            return
        with self._connection() as conn:
            try:
                conn.connect()
                for user in self._ldap_users():
                    entry = self._find_ldap_entry(conn, user)
                    if entry is not None:
                        self._sync_avatar(user, entry)
            except LdapError as error:
                self._log(f"LDAP ➔ error Avatar sync failed: {error.reason or error.code}")

    def auto_logout(self):
        """``syncLogout``: remove every login token of LDAP users whose entry is disabled."""
        if self._setting("LDAP_Enable") is not True or self._setting("LDAP_Sync_AutoLogout_Enabled") is not True:
            return
        with self._connection() as conn:
            try:
                conn.connect()
                for user in self._ldap_users():
                    tokens = (((user.get("services") or {}).get("resume") or {}).get("loginTokens")) or []
                    if not tokens:
                        continue
                    entry = self._find_ldap_entry(conn, user)
                    reason = entry is not None and is_deactivated(entry)
                    if reason:
                        self._log(f"LDAP ➔ info Logging out {user.get('username')}: {reason}")
                        with self._store.lock:
                            self._store.remove_login_tokens(user["_id"])
            except LdapError as error:
                self._log(f"LDAP ➔ error Auto-logout failed: {error.reason or error.code}")


def _as_list(value):
    return list(value) if isinstance(value, list) else [value]


def _avatar_sha256(user):
    return user.get("avatarETag") or user.get("avatar_sha256")

