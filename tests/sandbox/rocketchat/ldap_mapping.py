"""From an LDAP entry to the Rocket.Chat user data the importer converter receives
(contract §6.4 "User data mapping"; Rocket.Chat's ``mapUserData`` and the EE callbacks that
add custom fields and the active state). Pure: settings in, data out, log lines out."""

import json
import pathlib
import re
import time

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


class _Limax:
    """The sandbox's own port of the npm package ``limax`` 3.0.0 as Rocket.Chat 8.x calls it
    (``apps/meteor/server/lib/ldap/Manager.ts``: ``limax(text, {replacement: '.'})``). It runs the
    library's steps on the text as JavaScript holds it (UTF-16 code units; JavaScript's ``\\s`` and
    ``\\w``): apostrophes inside words dropped; Japanese kana romanised (hepburn ``fromKana``) or,
    with a CJK ideograph U+4E00..U+9FA5 in the text, every Han character written as pinyin with a
    tone number (@napi-rs/pinyin); then speakingurl 14.0.1 (lang "en", separator "."). The tables
    are the libraries' own, read out of the npm packages into ``tests/data/limax-charmap.json`` by
    ``tools/oracles/limax/generate.js``; ``tests/data/limax-corpus.json`` is what the real library
    gives, and the contract tests hold this port to every entry of it."""

    DATA = pathlib.Path(__file__).resolve().parents[2] / "data" / "limax-charmap.json"
    SPACE = "\t\n\v\f\r \u00a0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + \
        "\u2028\u2029\u202f\u205f\u3000\ufeff"
    NOT_SPACE = "[^" + re.escape(SPACE) + "]"

    def __init__(self):
        data = json.loads(self.DATA.read_text(encoding="utf-8"))
        self.version = data["limax_version"]
        self.charmap = data["charmap"]
        self.lookahead = set(data["lookahead"])
        self.diatric = data["diatric"]
        self.lang = data["lang_en"]
        self.symbols = data["symbols_en"]
        self.kana = [(dict(pairs), re.compile("|".join(map(re.escape, (k for k, _ in pairs)))), name)
                     for name, pairs in data["kana"]]
        self.pinyin = {}
        alphabet = {c: i for i, c in enumerate(data["pinyin_alphabet"])}
        width = len(alphabet)
        packed = data["pinyin_packed"]
        syllables = data["pinyin_syllables"]
        code = 0
        for jump, pairs in re.findall(r"~([0-9a-f]+);([^~]*)", packed):
            code = int(jump, 16)
            for k in range(0, len(pairs), 2):
                self.pinyin[code] = syllables[alphabet[pairs[k]] * width + alphabet[pairs[k + 1]]]
                code += 1
        self.apostrophe = re.compile("(" + self.NOT_SPACE + ")['\u2018\u2019\u201a\u201b\u2032\u2035\u0301]("
                                     + self.NOT_SPACE + ")")

    @staticmethod
    def units(text):
        """Python text as JavaScript's UTF-16 code units (surrogates as separate characters)."""
        raw = text.encode("utf-16-le", "surrogatepass")
        return "".join(chr(int.from_bytes(raw[k:k + 2], "little")) for k in range(0, len(raw), 2))

    @staticmethod
    def points(units):
        return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")

    def has_kana(self, text):
        return any(regex.search(text) for _, regex, name in self.kana
                   if name in ("hiraganaMonographs", "katakanaMonographs", "katakanaHalfwidths"))

    def from_kana(self, text):
        for table, regex, _ in self.kana:
            text = regex.sub(lambda m, t=table: t.get(m.group(0), m.group(0)), text)
        text = re.sub("[\u3063\u30c3]C", "TC", text)
        text = re.sub("[\u3063\u30c3]([^\n\r\u2028\u2029])", r"\1\1", text)
        text = re.sub(r"[NM]'([^YAEIOU]|\Z)", r"N\1", text)
        for vowel, long_vowel in zip("AIUEO", "\u0100\u012a\u016a\u0112\u014c"):
            text = text.replace(vowel + "\u30fc", long_vowel)
        return text

    def to_pinyin(self, text):
        parts, plain = [], ""
        for char in self.points(text):
            syllable = self.pinyin.get(ord(char))
            if syllable is None:
                plain += char
            else:
                if plain:
                    parts.append(plain)
                    plain = ""
                parts.append(syllable)
        return parts + ([plain] if plain else [])

    def speakingurl(self, text, sep):
        def alnum(s):
            return re.search("[A-Za-z0-9]", s) is not None

        allowed = re.compile("[^A-Za-z0-9_" + re.escape(self.SPACE) + re.escape(sep) + "_-]")
        text = re.sub("^[" + re.escape(self.SPACE) + "]+|[" + re.escape(self.SPACE) + "]+\\Z", "", text)
        out, pending, after_symbol, after_diatric = "", "", False, False
        for pos, char in enumerate(text):
            nxt = text[pos + 1] if pos + 1 < len(text) else None
            if self.lang.get(char):
                char = (" " if after_symbol and alnum(self.lang[char]) else "") + self.lang[char]
                after_symbol = False
            elif char in self.charmap:
                if nxt is not None and nxt in self.lookahead:
                    pending, char = pending + char, ""
                elif after_diatric:
                    char = str(self.diatric.get(pending, "undefined")) + self.charmap[char]
                    pending = ""
                else:
                    char = (" " if after_symbol and alnum(self.charmap[char]) else "") + self.charmap[char]
                after_symbol = after_diatric = False
            elif char in self.diatric:
                pending, char = pending + char, ""
                if nxt is None:
                    if pending not in self.diatric:
                        raise TypeError("limax: speakingurl throws on %r" % text)
                    char = self.diatric[pending]
                after_diatric = True
            elif self.symbols.get(char):
                word = self.symbols[char]
                char = (sep if after_symbol or alnum(out[-1:]) else "") + word
                char += sep if nxt is not None and alnum(nxt) else ""
                after_symbol = True
            else:
                if after_diatric:
                    char = self.diatric.get(pending, "undefined") + char
                    pending, after_diatric = "", False
                elif after_symbol and alnum(char):
                    char = " " + char
                after_symbol = False
            out += allowed.sub(sep, char)
        out = re.sub("[" + re.escape(self.SPACE) + "]+", sep, out)
        out = re.sub(re.escape(sep) + "+", sep, out)
        out = re.sub("^" + re.escape(sep) + "+|" + re.escape(sep) + "+\\Z", "", out)
        return out.lower()

    def __call__(self, text, replacement="."):
        text = self.apostrophe.sub(r"\1\2", self.units(text))
        tones = False
        if self.has_kana(text):
            text = re.sub(r"[^A-Za-z0-9\- ]+", "", self.from_kana(text))
        elif re.search("[\u4e00-\u9fa5]", text):
            tones = True
            text = re.sub("[^0-9A-Za-z ]+", "", self.units(" ".join(self.to_pinyin(text))))
            text = re.sub("([^1-4]) ([A-Za-z]) ", r"\1\2", text)
        slug = self.speakingurl(text, replacement)
        return re.sub("([^0-9])-([0-9])", r"\1\2", slug) if tones else slug


_limax = None


def limax(text, replacement="."):
    """``limax(text, {replacement})`` as limax 3.0.0 gives it (the port above, loaded once)."""
    global _limax
    if _limax is None:
        _limax = _Limax()
    return _limax(text, replacement)


def slugify(text, enabled):
    """Manager.ts ``slugify``: with ``UTF8_Names_Slugify`` on, ``limax(text, {replacement: '.'})``
    then only ``[0-9a-z-_.]``; off, the text as it is."""
    if not enabled:
        return text
    return re.sub(r"[^0-9a-z\-_.]", "", limax(text, "."))


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
