"""The sandbox's data: settings, users, roles, channels, teams, the server log (thread-safe, one lock).

The store API: the LDAP engine uses only the public calls documented in docs/dev/layout.md; the route
handlers use those and the ones below them. What a fresh workspace holds, and what start-up, restart
and a change of options do to it, is world.py's (it writes through this API).
"""

import base64
import collections
import copy
import datetime
import hashlib
import hmac
import secrets
import threading

from . import settings_store
from .settings_store import LDAP_MODULE

ENTERPRISE_MODULES = [
    "auditing", "canned-responses", "ldap-enterprise", "livechat-enterprise", "voip-enterprise",
    "omnichannel-mobile-enterprise", "engagement-dashboard", "push-privacy", "scalability",
    "teams-mention", "saml-enterprise", "oauth-enterprise", "device-management", "federation",
    "videoconference-enterprise", "message-read-receipt", "outlook-calendar", "hide-watermark",
    "custom-roles", "accessibility-certification", "unlimited-presence", "contact-id-verification",
    "teams-voip", "outbound-messaging", "abac", "fips",
]

# Permissions the contract names, with their default roles (§6, §2.4, §9, §7).
PERMISSIONS = {
    "test-admin-options": {"admin"},
    "sync-auth-services-users": {"admin"},
    "view-privileged-setting": {"admin"},
    "edit-privileged-setting": {"admin"},
    "manage-selected-settings": {"admin"},
    "view-logs": {"admin"},
    "view-statistics": {"admin"},
    "manage-scheduled-jobs": {"admin"},
    "api-bypass-rate-limit": {"admin", "bot", "app"},
    "create-personal-access-tokens": {"admin", "user"},
    "view-d-room": {"admin", "owner", "moderator", "user", "bot"},
    "view-full-other-user-info": {"admin"},
    "view-other-user-channels": {"admin"},
}

_ID_CHARS = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"
_USER_FIELDS = {"username", "name", "email", "active", "custom_fields", "extension", "ldap", "ldap_id",
                "ldap_id_attribute", "avatar_sha256", "password"}


def _copy_value(value):
    # the engine reads settings ~20 times per synced user: copy only what a caller could mutate
    return value if isinstance(value, (str, int, float, bool, type(None))) else copy.deepcopy(value)


def random_id(length=17):
    """A Meteor-style random id."""
    return "".join(secrets.choice(_ID_CHARS) for _ in range(length))


def new_token():
    """A login token like Meteor's Random.secret()."""
    return secrets.token_urlsafe(32)


def hash_token(token):
    """The server stores login tokens as base64(sha256(token)) (contract §1.1)."""
    return base64.b64encode(hashlib.sha256(token.encode("utf-8")).digest()).decode("ascii")


def password_digest(password):
    """What clients send as {"digest": ...} and the password 2FA method expects: sha256 hex."""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def _hash_digest(digest):
    # Stands in for the server's bcrypt(sha256hex(password)); kept under the same key.
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(digest.lower().encode("ascii"), salt=salt, n=2 ** 10, r=8, p=1)
    return "scrypt$" + salt.hex() + "$" + derived.hex()


def _check_digest(stored, digest):
    try:
        _, salt_hex, hash_hex = stored.split("$")
        derived = hashlib.scrypt(digest.lower().encode("ascii"), salt=bytes.fromhex(salt_hex),
                                 n=2 ** 10, r=8, p=1)
    except (ValueError, AttributeError):
        return False
    return hmac.compare_digest(derived.hex(), hash_hex)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def version_band(version):
    """Behaviour bands of the contract: "7" (7.x), "8.0" (8.0-8.5), "8.6" (8.6+), "9" (9.0+)."""
    parts = [int(p) for p in str(version).split(".")[:2]] + [0]
    major, minor = parts[0], parts[1]
    if major < 8:
        return "7"
    if major == 8:
        return "8.6" if minor >= 6 else "8.0"
    return "9"


class Store:
    def __init__(self, options):
        """An empty store running with `options` (merged start-up options; world.new_store fills it)."""
        self.lock = threading.RLock()
        self._tls = threading.local()
        self.startup_options = copy.deepcopy(options)
        self.options = copy.deepcopy(options)
        self.definitions = {d["id"]: d for d in settings_store.load_definitions()}
        self.log_lines = collections.deque(maxlen=2000)
        self.emails = []              # 2FA e-mail codes "sent" (the sandbox's outbox)
        self.ee_ever_registered = False
        self.settings = {}
        self.roles = {}
        self.rooms = {}
        self.teams = {}
        # Counts the changes of what users.info / users.list show of users (creation, any field, roles,
        # last login; not passwords and tokens), so a reader may keep what it derived until it moves.
        # Once world.py has built a user, every such change goes through the calls below.
        self.users_version = 0
        self.clear_users()
        # the built-in accounts' fixed identities: a reset rebuilds the accounts with the same ones
        self.admin_id = random_id()
        self.user_id = random_id()
        self.admin_pat = new_token()
        self.admin_totp_secret = base64.b32encode(secrets.token_bytes(20)).decode("ascii")

    # ------------------------------------------------------------------ what the running options mean
    @property
    def band(self):
        return version_band(self.options["version"])

    @property
    def major_version(self):
        return int(str(self.options["version"]).split(".")[0])

    @property
    def minor_version(self):
        return int(str(self.options["version"]).split(".")[1])

    def licensed(self, module=LDAP_MODULE):
        return self.options["license"] == LDAP_MODULE and module in ENTERPRISE_MODULES

    def active_modules(self):
        return list(ENTERPRISE_MODULES) if self.options["license"] == LDAP_MODULE else []

    @property
    def test_mode(self):
        # Only TEST_MODE's 2FA skip is simulated; its other effects (a `stack` in failure bodies,
        # response validation) are not, so replies keep the production shape.
        return self.options["two_factor"] == "off"

    # ------------------------------------------------------------------ write tracking
    # `wrote` in the request log: the request changed settings, users, roles, rooms or PATs, or logged
    # a user out everywhere. Single login tokens and 2FA bookkeeping are not counted (every login would
    # otherwise "write").
    def begin_request(self):
        self._tls.wrote = False

    def request_wrote(self):
        return getattr(self._tls, "wrote", False)

    def mark_write(self):
        self._tls.wrote = True

    # ------------------------------------------------------------------ store API (engine)
    def setting(self, _id):
        """The effective value the running server uses: unlicensed enterprise settings read their
        invalidValue; an unregistered setting reads None (the server's `undefined`)."""
        with self.lock:
            doc = self.settings.get(_id)
            if doc is None:
                return None
            if doc.get("enterprise") and not all(self.licensed(m) for m in doc.get("modules") or []):
                return _copy_value(doc.get("invalidValue"))
            return _copy_value(doc.get("value"))

    def find_user(self, *, user_id=None, username=None, email=None, ldap_id=None):
        """The first user (in creation order) matching every given criterion; username and e-mail
        ignore case. Served from indexes, so a 10,000-user import is not quadratic."""
        with self.lock:
            if user_id is not None:
                candidates = [user_id] if user_id in self.users_by_id else []
            elif username is not None:
                candidates = self._by_username.get(str(username).lower(), ())
            elif email is not None:
                candidates = self._by_email.get(str(email).lower(), ())
            elif ldap_id is not None:
                candidates = self._by_ldap_id.get(ldap_id, ())
            else:
                candidates = self.users_by_id
            for candidate in sorted(candidates, key=self._creation_order.__getitem__):
                user = self.users_by_id[candidate]
                if self._matches(user, username=username, email=email, ldap_id=ldap_id):
                    return user
            return None

    @staticmethod
    def _matches(user, *, username, email, ldap_id):
        if username is not None and user["username"].lower() != str(username).lower():
            return False
        if email is not None and not any(e["address"].lower() == str(email).lower()
                                         for e in user.get("emails") or []):
            return False
        if ldap_id is not None and (user["services"].get("ldap") or {}).get("id") != ldap_id:
            return False
        return True

    # Indexes of users_by_id: lower-case username / e-mail and services.ldap.id -> {user ids}.
    # Every change of those fields goes through create_user/update_user, which keep them current.
    def clear_users(self):
        """No users at all (world.py then creates the built-in ones)."""
        self.users_version += 1
        self.users_by_id = {}
        self._creation_order = {}
        self._by_username = {}
        self._by_email = {}
        self._by_ldap_id = {}

    @staticmethod
    def _index_keys(user):
        return ((user["username"].lower(),),
                tuple({e["address"].lower() for e in user.get("emails") or []}),
                tuple(k for k in ((user["services"].get("ldap") or {}).get("id"),) if k is not None))

    def _index_user(self, user, *, add):
        for index, keys in zip((self._by_username, self._by_email, self._by_ldap_id), self._index_keys(user)):
            for key in keys:
                if add:
                    index.setdefault(key, set()).add(user["_id"])
                else:
                    index[key].discard(user["_id"])
                    if not index[key]:
                        del index[key]

    def users(self):
        with self.lock:
            return list(self.users_by_id.values())

    def create_user(self, *, username, name, email, ldap=False, ldap_id=None, ldap_id_attribute=None,
                    roles=("user",), password=None, custom_fields=None, extension=None, active=True,
                    _user_id=None):
        with self.lock:
            if self.find_user(username=username) is not None:
                raise ValueError("username already exists: %s" % username)
            stamp = now()
            user = {
                "_id": _user_id or random_id(),
                "createdAt": stamp,
                "username": username,
                "name": name,
                "emails": [{"address": email, "verified": bool(ldap)}] if email else [],
                "active": bool(active),
                "roles": list(roles),
                "type": "user",
                "status": "offline",
                "ldap": bool(ldap),
                "services": {"resume": {"loginTokens": []}},
                "customFields": copy.deepcopy(custom_fields) if custom_fields else {},
                "utcOffset": 0,
                "settings": {"preferences": {}},
                "_updatedAt": stamp,
            }
            if extension:
                user["freeSwitchExtension"] = extension
            if ldap_id is not None:
                user["services"]["ldap"] = {"id": ldap_id, "idAttribute": ldap_id_attribute}
            if password is not None:
                user["services"]["password"] = {"bcrypt": _hash_digest(password_digest(password))}
            self.users_by_id[user["_id"]] = user
            self._creation_order[user["_id"]] = len(self._creation_order)
            self._index_user(user, add=True)
            self.users_version += 1
            self.mark_write()
            return user

    def update_user(self, user_id, **fields):
        unknown = set(fields) - _USER_FIELDS
        if unknown:
            raise TypeError("unknown user fields: %s" % ", ".join(sorted(unknown)))
        with self.lock:
            user = self.users_by_id[user_id]
            before = copy.deepcopy({k: v for k, v in user.items() if k != "services"}), \
                copy.deepcopy(user["services"].get("ldap"))
            self._index_user(user, add=False)
            try:
                self._apply_user_fields(user, fields)
            finally:
                self._index_user(user, add=True)
            after = {k: v for k, v in user.items() if k != "services"}, user["services"].get("ldap")
            if after != before:
                user["_updatedAt"] = now()
                self.users_version += 1
                self.mark_write()
            return user

    def _apply_user_fields(self, user, fields):
        user_id = user["_id"]
        if "username" in fields:
            other = self.find_user(username=fields["username"])
            if other is not None and other["_id"] != user_id:
                raise ValueError("username already exists: %s" % fields["username"])
            user["username"] = fields["username"]
        if "name" in fields:
            user["name"] = fields["name"]
        if "email" in fields:
            address = fields["email"]
            current = user.get("emails") or []
            if not current or current[0]["address"] != address:
                user["emails"] = [{"address": address, "verified": True}] if address else []
        if "active" in fields:
            user["active"] = bool(fields["active"])
        if "custom_fields" in fields:
            user["customFields"] = copy.deepcopy(fields["custom_fields"]) or {}
        if "extension" in fields:
            if fields["extension"]:
                user["freeSwitchExtension"] = fields["extension"]
            else:
                user.pop("freeSwitchExtension", None)
        if "ldap" in fields:
            user["ldap"] = bool(fields["ldap"])
        if "ldap_id" in fields or "ldap_id_attribute" in fields:
            ldap_service = user["services"].setdefault("ldap", {})
            if "ldap_id" in fields:
                ldap_service["id"] = fields["ldap_id"]
            if "ldap_id_attribute" in fields:
                ldap_service["idAttribute"] = fields["ldap_id_attribute"]
        if "avatar_sha256" in fields:
            user["avatarETag"] = fields["avatar_sha256"]
        if "password" in fields:
            self.set_local_password(user_id, fields["password"])

    def set_local_password(self, user_id, password):
        with self.lock:
            user = self.users_by_id[user_id]
            current = user["services"].get("password", {}).get("bcrypt")
            if current and _check_digest(current, password_digest(password)):
                return
            user["services"]["password"] = {"bcrypt": _hash_digest(password_digest(password))}
            self.mark_write()

    def role_ids(self):
        with self.lock:
            return {role["_id"]: role["name"] for role in self.roles.values()}

    def add_user_roles(self, user_id, roles):
        with self.lock:
            user = self.users_by_id[user_id]
            for role in roles:
                if role not in user["roles"]:
                    user["roles"].append(role)
                    self.users_version += 1
                    self.mark_write()

    def remove_user_roles(self, user_id, roles):
        with self.lock:
            user = self.users_by_id[user_id]
            kept = [r for r in user["roles"] if r not in set(roles)]
            if kept != user["roles"]:
                user["roles"] = kept
                self.users_version += 1
                self.mark_write()

    def new_room(self, name, owner):
        """A channel document, added to the rooms (the built-in ones and create_channel's)."""
        room = {"_id": random_id(), "name": name, "fname": name, "t": "c", "ts": settings_store.EPOCH,
                "customFields": {}, "members": [], "_updatedAt": settings_store.EPOCH,
                "default": name == "general"}
        if owner is not None:
            room["u"] = {"_id": owner["_id"], "username": owner["username"]}
        self.rooms[room["_id"]] = room
        return room

    def find_channel(self, name):
        with self.lock:
            for room in self.rooms.values():
                if room["name"] == name:
                    return room
            return None

    def create_channel(self, name, owner_username, custom_fields):
        with self.lock:
            owner = self.find_user(username=owner_username)
            if owner is None:
                raise ValueError("no such owner: %s" % owner_username)
            if self.find_channel(name) is not None:
                raise ValueError("channel already exists: %s" % name)
            room = self.new_room(name, owner)
            room["ts"] = room["_updatedAt"] = now()
            room["customFields"] = copy.deepcopy(custom_fields) or {}
            room["members"] = [owner["_id"]]
            self.mark_write()
            return room

    def add_to_channel(self, room_id, user_id):
        with self.lock:
            room = self.rooms[room_id]
            if user_id not in room["members"]:
                room["members"].append(user_id)
                self.mark_write()

    def remove_from_channel(self, room_id, user_id):
        with self.lock:
            room = self.rooms[room_id]
            if user_id in room["members"]:
                room["members"].remove(user_id)
                self.mark_write()

    def find_team(self, name):
        with self.lock:
            for team in self.teams.values():
                if team["name"] == name:
                    return team
            return None

    def add_to_team(self, team_id, user_id):
        with self.lock:
            team = self.teams[team_id]
            if user_id not in team["members"]:
                team["members"].append(user_id)
                self.add_to_channel(team["roomId"], user_id)
                self.mark_write()

    def remove_from_team(self, team_id, user_id):
        with self.lock:
            team = self.teams[team_id]
            if user_id in team["members"]:
                team["members"].remove(user_id)
                self.remove_from_channel(team["roomId"], user_id)
                self.mark_write()

    def remove_login_tokens(self, user_id):
        """Log the user out everywhere (auto-logout): unlike a login, a state change the server makes."""
        with self.lock:
            resume = self.users_by_id[user_id]["services"]["resume"]
            if resume["loginTokens"]:
                resume["loginTokens"] = []
                self.mark_write()

    def log(self, line):
        self.log_lines.append({"ts": now().isoformat(), "line": str(line)})

    # ------------------------------------------------------------------ server-side helpers
    def record_login(self, user_id):
        with self.lock:
            self.users_by_id[user_id]["lastLogin"] = now()
            self.users_version += 1

    def add_login_token(self, user_id, token, *, pat_name=None, bypass_two_factor=False):
        with self.lock:
            entry = {"hashedToken": hash_token(token), "when": now()}
            if pat_name is not None:
                entry.update(type="personalAccessToken", name=pat_name, createdAt=entry["when"],
                             lastTokenPart=token[-6:], bypassTwoFactor=bool(bypass_two_factor))
            self.users_by_id[user_id]["services"]["resume"]["loginTokens"].append(entry)
            return entry

    def find_login(self, user_id, token):
        """(user, token entry) for X-User-Id + X-Auth-Token, or (None, None)."""
        with self.lock:
            user = self.users_by_id.get(user_id or "")
            if user is None or not token:
                return None, None
            hashed = hash_token(token)
            for entry in user["services"]["resume"]["loginTokens"]:
                if hmac.compare_digest(entry["hashedToken"], hashed):
                    return user, entry
            return None, None

    def find_login_by_token(self, token):
        with self.lock:
            hashed = hash_token(token)
            for user in self.users_by_id.values():
                for entry in user["services"]["resume"]["loginTokens"]:
                    if hmac.compare_digest(entry["hashedToken"], hashed):
                        return user, entry
            return None, None

    def remove_login_token(self, user_id, hashed_token):
        with self.lock:
            tokens = self.users_by_id[user_id]["services"]["resume"]["loginTokens"]
            tokens[:] = [t for t in tokens if t["hashedToken"] != hashed_token]

    @staticmethod
    def password_matches(user, digest):
        stored = (user["services"].get("password") or {}).get("bcrypt")
        return bool(stored) and isinstance(digest, str) and _check_digest(stored, digest)

    @staticmethod
    def has_password(user):
        return bool((user["services"].get("password") or {}).get("bcrypt"))

    def has_permission(self, user, permission):
        if user is None:
            return False
        return bool(set(user.get("roles") or []) & PERMISSIONS.get(permission, set()))

    def write_setting(self, setting_id, value, *, skip_hidden):
        """Match _id, not blocked (and not hidden for the single POST); False when nothing matched."""
        with self.lock:
            doc = self.settings.get(setting_id)
            if doc is None or doc.get("type") == "group" or doc.get("blocked") or (skip_hidden and doc.get("hidden")):
                return False
            if doc.get("value") != value or type(doc.get("value")) is not type(value):
                doc["value"] = copy.deepcopy(value)
                doc["_updatedAt"] = now()
                self.mark_write()
            return True
