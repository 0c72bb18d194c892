"""The test world: what a fresh sandbox workspace holds and what start-up, restart and a change of the
start-up options do to it.

The start-up options (DEFAULT_OPTIONS, `--version`, `--license`, `--two-factor`, ...), the built-in
accounts with their fixed credentials, roles, the `general` channel and the two teams, the setting
documents as the server registers them (licence, SETTINGS_BLOCKED / SETTINGS_HIDDEN,
OVERWRITE_SETTING_<id>). Everything here writes through the store (store.py), which holds the data.
"""

import copy

from . import settings_store
from .settings_store import LDAP_MODULE
from .store import Store, now, random_id, version_band

# Fixed, documented credentials of the built-in users (written to .sandbox/env.json).
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin-Pa55!"
USER_USERNAME = "user"
USER_PASSWORD = "user-Pa55!"
ADMIN_PAT_NAME = "sandbox-bypass"

BUILTIN_ROLES = [
    ("admin", "Admin", True), ("user", "", True), ("bot", "", True), ("guest", "", True),
    ("anonymous", "", True), ("app", "", True), ("moderator", "Moderator", True),
    ("owner", "Owner", True), ("leader", "Leader", True), ("livechat-agent", "Livechat Agent", True),
    ("livechat-manager", "Livechat Manager", True), ("livechat-monitor", "Livechat Monitor", True),
    ("livechat-visitor", "", True), ("user-view-only", "", True),
]
ROOM_SCOPED_ROLES = {"moderator", "owner", "leader"}

BUILTIN_TEAMS = ["engineering", "support"]

DEFAULT_OPTIONS = {
    "version": "8.8.1",
    "license": LDAP_MODULE,
    # A production server: Accounts_TwoFactorAuthentication_Enabled and the password fallback on, so a
    # login token is challenged (method password); the admin's bypass PAT is not. "off" is TEST_MODE.
    "two_factor": "password",
    "rate_limiter": False,
    "blocked": [],
    "hidden": [],
    "overwrite": {},
    # None: enterprise settings are registered iff the licence has ever been active in this process
    # (a fresh unlicensed workspace lacks them, contract §5.3); True/False forces it.
    "ee_settings_registered": None,
    "custom_roles": [],
    # develop's secret masking (contract §5.8/§11: where it is wired in is unconfirmed, so off by default):
    # REST reads of secret/password settings answer "" plus hasValue, "" never overwrites a stored secret
    "mask_secrets": False,
    # env ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS=true (7.x/8.x, read by parseJsonQuery at every request): list
    # routes read `fields` and `query`; off (the default), they are ignored. 9.0 has no such variable (contract §7.3).
    "allow_unsafe_query_and_fields": False,
}


# ------------------------------------------------------------------ options
def _merge_options(base, changes):
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if key not in DEFAULT_OPTIONS:
            raise ValueError("unknown option %r" % key)
        merged[key] = copy.deepcopy(value)
    if merged["license"] not in (LDAP_MODULE, "none"):
        raise ValueError("license must be %r or 'none'" % LDAP_MODULE)
    if merged["two_factor"] not in ("off", "password", "totp", "email"):
        raise ValueError("two_factor must be off, password, totp or email")
    version_band(merged["version"])
    merged["rate_limiter"] = bool(merged["rate_limiter"])
    merged["mask_secrets"] = bool(merged["mask_secrets"])
    merged["allow_unsafe_query_and_fields"] = bool(merged["allow_unsafe_query_and_fields"])
    for key in ("blocked", "hidden", "custom_roles"):
        if isinstance(merged[key], str):
            merged[key] = [v for v in merged[key].split(",") if v]
    return merged


# ------------------------------------------------------------------ lifecycle
def new_store(options=None):
    """A store holding a fresh workspace, started with `options` (DEFAULT_OPTIONS for the rest)."""
    store = Store(_merge_options(DEFAULT_OPTIONS, options or {}))
    _build(store)
    return store


def _build(store):
    store.settings = {}
    store.ee_ever_registered = False
    _register_settings(store)  # applies OVERWRITE_SETTING_* to the documents it creates
    _apply_blocked_hidden(store)
    _build_roles(store)
    _build_users(store)
    _build_rooms(store)
    _apply_two_factor_option(store)


def reset(store, startup=False):
    """Data back to a fresh workspace under the current options (or the start-up ones)."""
    with store.lock:
        if startup:
            store.options = copy.deepcopy(store.startup_options)
        store.emails = []
        store.log_lines.clear()
        _build(store)


def configure(store, changes):
    """Change start-up options at run time (POST /_sandbox/config)."""
    with store.lock:
        store.options = _merge_options(store.options, changes)
        _register_settings(store)
        _apply_blocked_hidden(store)
        if "overwrite" in changes:
            _apply_overwrites(store)
        if "two_factor" in changes:
            _apply_two_factor_option(store)
        if "custom_roles" in changes:
            _build_custom_roles(store)


def restart(store):
    """What a server restart does to stored data."""
    with store.lock:
        _register_settings(store)
        _apply_blocked_hidden(store)
        _apply_overwrites(store)


# ------------------------------------------------------------------ settings
def _register_settings(store):
    """(Re)register setting documents as the server does at start-up: existing documents keep their
    value; enterprise LDAP settings only while the licence is active (or were registered before)."""
    with store.lock:
        band = store.band
        forced = store.options["ee_settings_registered"]
        if store.licensed():
            store.ee_ever_registered = True
        register_ee = store.ee_ever_registered if forced is None else bool(forced)
        for sorter, group_id in enumerate(settings_store.GROUPS):
            store.settings.setdefault(group_id, settings_store.new_group_document(group_id, sorter))
        for sorter, definition in enumerate(store.definitions.values()):
            definition = settings_store.definition_for_version(definition, band)
            doc = store.settings.get(definition["id"])
            if definition.get("enterprise") and definition["id"] != "LDAP_Enable" and not register_ee:
                if doc is not None and forced is False:
                    del store.settings[definition["id"]]
                continue
            if doc is None:
                store.settings[definition["id"]] = settings_store.new_document(definition, sorter)
                if definition["id"] in store.options["overwrite"]:
                    _overwrite_one(store, definition["id"])
            else:
                # metadata follows the running version (LDAP_Enable turns enterprise in 9.0)
                fresh = settings_store.new_document(definition, sorter)
                for key in ("enterprise", "modules", "invalidValue"):
                    if key in fresh:
                        doc[key] = fresh[key]
                    else:
                        doc.pop(key, None)


def _apply_blocked_hidden(store):
    with store.lock:
        for doc in store.settings.values():
            doc["blocked"] = doc["_id"] in store.options["blocked"]
            doc["hidden"] = doc["_id"] in store.options["hidden"]


def _apply_overwrites(store):
    """What OVERWRITE_SETTING_<id> does at every start (contract §5.7)."""
    with store.lock:
        for setting_id in store.options["overwrite"]:
            _overwrite_one(store, setting_id)


def _overwrite_one(store, setting_id):
    doc = store.settings.get(setting_id)
    if doc is None or doc.get("type") == "group":
        store.log("OVERWRITE_SETTING_%s ignored: no such setting" % setting_id)
        return
    raw = store.options["overwrite"][setting_id]
    try:
        value = settings_store.convert_env_value(doc["type"], raw)
    except settings_store.EnvValueError as exc:
        store.log("OVERWRITE_SETTING_%s ignored: %s" % (setting_id, exc))
        return
    if doc.get("value") != value:
        store.mark_write()
    doc["value"] = value
    doc["processEnvValue"] = value
    doc["valueSource"] = "processEnvValue"
    doc["_updatedAt"] = now()


# ------------------------------------------------------------------ roles, users, rooms
def _build_roles(store):
    store.roles = {}
    for role_id, description, protected in BUILTIN_ROLES:
        store.roles[role_id] = {
            "_id": role_id, "name": role_id, "description": description, "mandatory2fa": False,
            "protected": protected, "scope": "Subscriptions" if role_id in ROOM_SCOPED_ROLES else "Users",
        }
    _build_custom_roles(store)


def _build_custom_roles(store):
    existing = {r["name"] for r in store.roles.values()}
    for name in store.options["custom_roles"]:
        if name not in existing:
            role_id = random_id()
            store.roles[role_id] = {"_id": role_id, "name": name, "description": "", "mandatory2fa": False,
                                    "protected": False, "scope": "Users"}


def _build_users(store):
    store.clear_users()
    epoch = settings_store.EPOCH
    admin = store.create_user(username=ADMIN_USERNAME, name="Administrator", email="admin@rocketchat.test",
                              roles=("admin", "user"), password=ADMIN_PASSWORD, _user_id=store.admin_id)
    user = store.create_user(username=USER_USERNAME, name="Plain User", email="user@rocketchat.test",
                             roles=("user",), password=USER_PASSWORD, _user_id=store.user_id)
    bot = store.create_user(username="rocket.cat", name="Rocket.Cat", email=None, roles=("bot",),
                            _user_id="rocket.cat")
    bot["type"] = "bot"
    for u in (admin, user, bot):
        # created long ago: the 2FA "new user" grace period (RememberFor) has passed
        u["createdAt"] = u["_updatedAt"] = epoch
    store.add_login_token(admin["_id"], store.admin_pat, pat_name=ADMIN_PAT_NAME, bypass_two_factor=True)


def _build_rooms(store):
    store.rooms = {}
    store.teams = {}
    general = store.new_room("general", None)
    general["_id"] = "GENERAL"
    store.rooms = {"GENERAL": general}
    for name in BUILTIN_TEAMS:
        team_id = random_id()
        room = store.new_room(name, store.users_by_id[store.admin_id])
        room.update(teamMain=True, teamId=team_id)
        store.teams[team_id] = {"_id": team_id, "name": name, "type": 0, "roomId": room["_id"],
                                "createdAt": settings_store.EPOCH,
                                "createdBy": {"_id": store.admin_id, "username": ADMIN_USERNAME},
                                "members": [store.admin_id]}
        room["members"] = [store.admin_id]


def _apply_two_factor_option(store):
    """--two-factor: off = TEST_MODE (2FA skipped unless forced); password = the password fallback;
    totp / email = that method enabled for the admin."""
    with store.lock:
        admin = store.users_by_id.get(store.admin_id)
        if admin is None:
            return
        mode = store.options["two_factor"]
        services = admin["services"]
        services.pop("totp", None)
        services.pop("email2fa", None)
        if mode == "totp":
            services["totp"] = {"enabled": True, "secret": store.admin_totp_secret, "hashedBackup": []}
        elif mode == "email":
            services["email2fa"] = {"enabled": True, "changedAt": settings_store.EPOCH}
