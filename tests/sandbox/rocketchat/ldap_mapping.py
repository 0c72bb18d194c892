"""From an LDAP entry to the Rocket.Chat user data the importer converter receives
(contract §6.4 "User data mapping"; Rocket.Chat's ``mapUserData`` and the EE callbacks that
add custom fields and the active state). Pure: settings in, data out, log lines out."""

import json
import re
import time
import unicodedata

from tests.sandbox.rocketchat.ldap_connection import conditional_setting, split_list

_TEMPLATE = re.compile(r"#\{(.+?)\}")
_CUSTOM_FIELD_TEMPLATE = re.compile(r"#\{([\w\-]+)\}")


class RejectedEntry(Exception):
    """The entry cannot become a user (the real server throws while mapping it)."""


def dynamic_value(entry, attribute_setting):
    """``getLdapDynamicValue``: a ``#{attr}`` template, or a comma list where the first present
    attribute wins. A missing template attribute becomes the empty string."""
    if not attribute_setting:
        return None
    attribute_setting = str(attribute_setting)
    if "#{" in attribute_setting:
        return _TEMPLATE.sub(lambda match: entry.text(match.group(1)) if entry.has(match.group(1)) else "",
                             attribute_setting)
    for field in split_list(attribute_setting):
        if entry.has(field):
            return entry.first(field)
    return None


def slugify(text, enabled):
    """``limax(text, {replacement: '.', separateNumbers: false})`` then only ``[0-9a-z-_.]``:
    transliterated to ASCII, lower case, every run of other characters becomes one dot."""
    if not enabled:
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    dotted = re.sub(r"[^a-z0-9]+", ".", ascii_text).strip(".")
    return re.sub(r"[^0-9a-z\-_.]", "", dotted)


def is_deactivated(entry, now_ms=None):
    """``isUserDeactivated``: password-policy lock, eDirectory/Oracle flags, AD lockout and the
    AD ``userAccountControl`` disabled bit. Values are tested as JavaScript would (any
    ``loginDisabled`` value is truthy; ``lockoutTime`` is read as epoch milliseconds)."""
    if entry.has("pwdAccountLockedTime"):
        return "locked by password policy (pwdAccountLockedTime)"
    if entry.has("loginDisabled"):
        return "manually disabled (loginDisabled)"
    enabled = entry.first("orclIsEnabled")
    if enabled and enabled != "ENABLED":
        return "not allowed to authenticate (orclIsEnabled)"
    lockout = entry.first("lockoutTime")
    if lockout and lockout != "0":
        try:
            lockout_ms = int(lockout)
        except ValueError:
            lockout_ms = 0
        if lockout_ms:
            duration = entry.first("lockoutDuration")
            if not duration:
                return "locked indefinitely by security policy (lockoutTime)"
            try:
                minutes = int(duration)
            except ValueError:
                minutes = 0
            now = now_ms if now_ms is not None else int(time.time() * 1000)
            if lockout_ms + minutes * 60000 > now:
                return "locked temporarily by security policy (lockoutTime)"
    control = entry.first("userAccountControl")
    if control:
        try:
            if int(control) & 2:
                return "disabled by an admin (userAccountControl)"
        except ValueError:
            pass
    return None


class UserMapper:
    def __init__(self, setting, log):
        self._setting = setting
        self._log = log

    def slugify_enabled(self):
        return self._setting("UTF8_Names_Slugify") is True

    def username_field(self):
        return conditional_setting(self._setting, "LDAP_Username_Field") or ""

    def ldap_username(self, entry):
        return dynamic_value(entry, self.username_field())

    def login_username(self, entry, request_username):
        """``slugifyUsername``: the mapped LDAP username, else the name typed at login."""
        if self.username_field():
            username = self.ldap_username(entry)
            if username:
                return slugify(username, self.slugify_enabled())
        return slugify(request_username, self.slugify_enabled())

    def unique_id(self, entry):
        """First non-empty of the unique-identifier fields, then the search fields, else ``dn``;
        the raw value hex-encoded."""
        fields = split_list(self._setting("LDAP_Unique_Identifier_Field"))
        fields += split_list(conditional_setting(self._setting, "LDAP_User_Search_Field"))
        for field in fields or ["dn"]:
            if entry.has(field):
                return field, entry.raw_first(field).hex()
        self._log("LDAP ➔ warn Failed to generate unique identifier for ldap entry")
        raise RejectedEntry("Failed to generate unique identifier for ldap entry")

    def emails(self, entry, username):
        """§6.4: the first attribute of the e-mail field whose values contain "@" (an attribute
        without any goes on to the next); else <username>@<default domain>; else mail's first value."""
        for field in split_list(conditional_setting(self._setting, "LDAP_Email_Field")):
            found = [value for value in entry.values(field) if "@" in value]
            if found:
                return found
        default_domain = self._setting("LDAP_Default_Domain") or ""
        if default_domain and username:
            return [f"{username}@{default_domain}"]
        mail = [value for value in entry.values("mail") if value]
        if mail:
            return mail[:1]
        raise RejectedEntry("Failed to get email address from LDAP user")

    def map(self, entry, used_username=None):
        """The import record: username, name, emails, ids, extension, custom fields, active."""
        id_attribute, ldap_id = self.unique_id(entry)
        username = self.ldap_username(entry) or used_username or ldap_id
        username = slugify(username, self.slugify_enabled())
        emails = self.emails(entry, username)
        data = {
            "dn": entry.dn,
            "username": username,
            "name": dynamic_value(entry, conditional_setting(self._setting, "LDAP_Name_Field")) or None,
            "emails": emails,
            "ldap_id": ldap_id,
            "ldap_id_attribute": id_attribute,
            "extension": dynamic_value(entry, self._setting("LDAP_Extension_Field")) or None,
            "custom_fields": self.custom_fields(entry),
            "deleted": self.active_state(entry, username),
        }
        return data

    def active_state(self, entry, username):
        """``copyActiveState``: True = deactivate, False = activate, None = leave as is."""
        mode = self._setting("LDAP_Sync_User_Active_State")
        if mode not in ("disable", "both"):
            return None
        reason = is_deactivated(entry)
        if mode == "disable" and not reason:
            return None
        self._log(f"LDAP ➔ info {'Deactivating' if reason else 'Activating'} user ({username})"
                  + (f": {reason}" if reason else ""))
        return bool(reason)

    def custom_fields(self, entry):
        """``copyCustomFieldsLDAP``: map ``{"<attr or template>": "<custom field path>"}``; only
        fields defined in Accounts_CustomFields are set, so nothing is while that setting is empty."""
        if self._setting("LDAP_Sync_Custom_Fields") is not True:
            return None
        field_map = self._setting("LDAP_CustomFieldMap") or ""
        defined = self._setting("Accounts_CustomFields") or ""
        if not field_map or not defined:
            if field_map:
                self._log("LDAP ➔ debug Skipping LDAP custom fields because there are no custom fields configured.")
            return None
        try:
            mapping = json.loads(field_map)
        except ValueError as error:
            self._log(f"LDAP ➔ error Error parsing LDAP custom fields map. {error}")
            return None
        if not isinstance(mapping, dict):
            return None
        try:
            defined_fields = json.loads(defined)
        except ValueError as error:
            self._log(f"LDAP ➔ error Failed to parse Custom Fields {error}")
            return None
        result = {}
        for ldap_field, user_field in mapping.items():
            if not _nested_get(defined_fields, str(user_field)):
                self._log(f"LDAP ➔ debug User attribute does not exist: {user_field}")
                continue
            value = _template_value(entry, ldap_field)
            if value:
                _nested_set(result, str(user_field), value)
        return result or None


def _template_value(entry, variable):
    """``templateVarHandler``: a plain attribute name, or ``#{attr}`` placeholders (a missing
    attribute makes the whole value undefined)."""
    names = _CUSTOM_FIELD_TEMPLATE.findall(variable)
    if not names:
        values = entry.values(variable)
        if not values:
            return None
        return values[0] if len(values) == 1 else values
    result = variable
    for name in names:
        if not entry.raw.get(name):
            return None
        result = result.replace("#{" + name + "}", entry.text(name), 1)
    return result


def _nested_get(obj, path):
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def _nested_set(obj, path, value):
    parts = path.split(".")
    for part in parts[:-1]:
        obj = obj.setdefault(part, {})
    obj[parts[-1]] = value
