"""One LDAP connection of the sandbox, built from the workspace settings like Rocket.Chat's
``LDAPConnection`` (contract §6.1, §6.2): URL and TLS from the encryption setting, timeouts,
the optional service bind, the user filter, paged searches and the group filter.

Errors are raised as :class:`LdapError`; see ``ldap_engine`` for the codes and what the server
answers for each of them.
"""

import ssl

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_bytes, escape_filter_chars

# Codes raised by this module (documented with their HTTP bodies in ldap_engine).
CONNECTION_FAILED = "error-ldap-connection-failed"
BIND_FAILED = "LDAP_Bind_failed"
SEARCH_FAILED = "LDAP_search_failed"

_SCOPES = {"base": ldap3.BASE, "one": ldap3.LEVEL, "sub": ldap3.SUBTREE}
_SIZE_LIMIT_EXCEEDED = 4


class LdapError(Exception):
    """An LDAP failure that ldap_bridge.py turns into the route's reply.

    ``code`` is the Meteor error code (or the sandbox's name for a plain error), ``details`` the
    Meteor error details (a dict or None), ``reason`` the human text. Never carries a secret.
    """

    def __init__(self, code, details=None, reason=None):
        super().__init__(reason or code)
        self.code = code
        self.details = details
        self.reason = reason


class LdapLoginError(LdapError):
    """A ``Meteor.Error`` thrown by the LDAP login handler (answered 401 by ``/login``)."""


def setting_int(value, default):
    """Settings are stored as sent (a single POST has no type check): read ints leniently."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def split_list(value):
    """A comma list setting, as Rocket.Chat splits it (whitespace removed, empties dropped)."""
    return [item for item in "".join(str(value or "").split()).split(",") if item]


def conditional_setting(setting, setting_id):
    """``getLDAPConditionalSetting``: the ``LDAP_AD_*`` twin when the server type is ``ad``."""
    if setting("LDAP_Server_Type") == "ad":
        return setting(setting_id.replace("LDAP_", "LDAP_AD_", 1))
    return setting(setting_id)


class LdapEntry:
    """A search result as Rocket.Chat's ``ILDAPEntry`` sees it: raw byte values keyed by the
    attribute names exactly as the server returned them (lookups are case-sensitive, as in
    the real server), strings decoded as UTF-8 with replacement characters."""

    def __init__(self, dn, raw_attributes):
        self.dn = dn
        self.raw = {name: list(raw_attributes[name]) for name in raw_attributes}
        self.raw.setdefault("dn", [dn.encode("utf-8")])

    def has(self, key):
        values = self.raw.get(key.strip())
        return bool(values) and any(len(value) for value in values)

    def values(self, key):
        return [value.decode("utf-8", "replace") for value in self.raw.get(key.strip(), [])]

    def first(self, key):
        values = self.values(key)
        return values[0] if values else None

    def text(self, key):
        """A value as JavaScript turns it into text inside a template (arrays joined by ',')."""
        return ",".join(self.values(key))

    def raw_first(self, key):
        values = self.raw.get(key.strip())
        return values[0] if values else None


class _NodeLikeTls(ldap3.Tls):
    """TLS as Node's ``tls.connect`` does it: the system CAs unless a CA is given, and, when
    ``rejectUnauthorized``, chain and host-name checks (IP addresses included, which
    ldap3's own host-name matching gets wrong on Python 3.12+)."""

    def __init__(self, host, ca_pem, reject_unauthorized):
        super().__init__(validate=ssl.CERT_REQUIRED if reject_unauthorized else ssl.CERT_NONE)
        self._host = host
        self._ca_pem = ca_pem or None
        self._reject = reject_unauthorized

    def wrap_socket(self, connection, do_handshake=False):
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=self._ca_pem)
        if not self._reject:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        connection.socket = context.wrap_socket(
            connection.socket, server_side=False, do_handshake_on_connect=do_handshake,
            server_hostname=self._host)


class LdapConnection:
    """Options are read once from the settings, as the real ``LDAPConnection`` constructor does."""

    def __init__(self, setting, log, *, major_version):
        self._setting = setting
        self._log = log
        self._major = major_version
        self.host = str(setting("LDAP_Host") or "")
        self.port = setting_int(setting("LDAP_Port"), 389)
        self.encryption = setting("LDAP_Encryption") or "plain"
        self.ca_cert = setting("LDAP_CA_Cert") or ""
        self.reject_unauthorized = bool(setting("LDAP_Reject_Unauthorized"))
        self.connect_timeout_ms = setting_int(setting("LDAP_Connect_Timeout"), 1000)
        self.timeout_ms = setting_int(setting("LDAP_Timeout"), 60000)
        self.base_dn = str(setting("LDAP_BaseDN") or "")
        self.user_search_filter = str(setting("LDAP_User_Search_Filter") or "")
        self.user_search_scope = setting("LDAP_User_Search_Scope") or "sub"
        self.user_search_field = str(conditional_setting(setting, "LDAP_User_Search_Field") or "")
        self.page_size = setting_int(setting("LDAP_Search_Page_Size"), 250)
        self.size_limit = setting_int(setting("LDAP_Search_Size_Limit"), 1000)
        self.unique_identifier_field = str(setting("LDAP_Unique_Identifier_Field") or "")
        attributes = split_list(setting("LDAP_User_Search_AttributesToQuery"))
        self.attributes = attributes or ["*", "+"]
        self.authentication = setting("LDAP_Authentication") is True
        self._conn = None
        self._bound_as_service = False
        if not self.host:
            self._log("LDAP ➔ warn LDAP Host is not configured.")
        if not self.base_dn:
            self._log("LDAP ➔ warn LDAP Search BaseDN is not configured.")

    # --- connecting -------------------------------------------------------------------

    @property
    def url(self):
        scheme = "ldaps" if self.encryption == "ssl" else "ldap"
        return f"{scheme}://{self.host}:{self.port}"

    def _server(self):
        tls = None
        if self.encryption in ("ssl", "tls"):
            tls = _NodeLikeTls(self.host, self.ca_cert, self.reject_unauthorized)
        return ldap3.Server(self.host, port=self.port, use_ssl=self.encryption == "ssl", tls=tls,
                            get_info=ldap3.NONE, connect_timeout=max(self.connect_timeout_ms, 1) / 1000)

    def _new_connection(self, user=None, password=None):
        # Referrals are not chased: ldapjs emits continuation references ('searchReference') and
        # Rocket.Chat never listens for them, so an AD subtree search from the domain root (which
        # also answers references to the DNS and configuration partitions) yields only its entries
        # (search() keeps searchResEntry items only). Checked against a Samba AD DC in
        # tests/integration/test_samba_ad_sync.py, as are paged searches and objectGUID ids.
        # ldap3 wants whole seconds here (SO_RCVTIMEO); LDAP_Timeout is in ms, so round up.
        receive_timeout = -(-self.timeout_ms // 1000) if self.timeout_ms > 0 else None
        return ldap3.Connection(self._server(), user=user, password=password, auto_bind=ldap3.AUTO_BIND_NONE,
                                raise_exceptions=False, receive_timeout=receive_timeout, auto_referrals=False,
                                read_only=True, return_empty_attributes=False)

    def _open(self, conn):
        """Connect (and StartTLS for ``tls``); socket, TLS and timeout errors fail the connect."""
        try:
            conn.open()
            if self.encryption == "tls" and not conn.start_tls():
                raise LdapError(CONNECTION_FAILED, {"reason": f"StartTLS failed: {conn.result.get('description')}"})
        except LdapError:
            raise
        except (LDAPException, OSError) as error:
            reason = "Timeout" if "timed out" in str(error) else str(error) or type(error).__name__
            self._log(f"LDAP ➔ error Connection to {self.url} failed: {reason}")
            raise LdapError(CONNECTION_FAILED, {"reason": reason}) from None

    def connect(self):
        """Connect, then bind as the service account when LDAP_Authentication is on."""
        self._log(f"LDAP ➔ info Connecting {self.url}")
        self._conn = self._new_connection()
        self._open(self._conn)
        self.bind_service()

    def bind_service(self):
        """``maybeBindDN``: 8.x only logs a failed service bind (the connection stays anonymous);
        9.0 fails with ``LDAP_Bind_failed``."""
        if not self.authentication or self._bound_as_service:
            return
        dn = str(self._setting("LDAP_Authentication_UserDN") or "")
        password = str(self._setting("LDAP_Authentication_Password") or "")
        self._log(f"LDAP ➔ info Binding UserDN {dn}")
        try:
            if self._conn.rebind(user=dn, password=password):
                self._bound_as_service = True
                return
            response = (self._conn.result or {}).get("description") or "bind failed"
        except (LDAPException, OSError) as error:
            response = str(error) or type(error).__name__
        self._log(f"LDAP ➔ error Bind failed for {dn}: {response}")
        if self._major >= 9:
            raise LdapError(BIND_FAILED, {"error": response}, reason=f"Bind failed. Server response: {response}")

    def disconnect(self):
        if self._conn is not None:
            self._log("LDAP ➔ info Disconnecting")
            try:
                self._conn.unbind()
            except (LDAPException, OSError):
                pass
            self._conn = None
            self._bound_as_service = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.disconnect()

    def authenticate(self, dn, password):
        """Bind as the user on a separate connection; returns it (for a search as the user) or None."""
        if not password:
            # An empty password would be an unauthenticated bind, which LDAP servers accept.
            return None
        conn = self._new_connection(dn, password)
        try:
            self._open(conn)
            if conn.bind():
                self._log(f"LDAP ➔ info Authenticated {dn}")
                return conn
        except LdapError:
            pass
        self._log(f"LDAP ➔ info Not authenticated {dn}")
        conn.unbind()
        return None

    # --- searching --------------------------------------------------------------------

    def search(self, base, search_filter, *, scope=None, size_limit=0, attributes=None, paged=False, conn=None):
        """Run one search, paged with the page-size setting when asked; returns LdapEntry list.

        Any result other than success (size limit exceeded included, as ldapjs reports it as an
        error) raises ``LDAP_search_failed`` with the result in details.
        """
        conn = conn or self._conn
        ldap_scope = _SCOPES.get(scope or self.user_search_scope, ldap3.SUBTREE)
        attributes = attributes if attributes is not None else self.attributes
        entries = []
        cookie = None
        try:
            while True:
                page_size = self.page_size if paged and self.page_size > 0 else 0
                conn.search(base, search_filter, search_scope=ldap_scope, attributes=attributes,
                            size_limit=max(size_limit, 0), paged_size=page_size or None, paged_cookie=cookie)
                result = conn.result or {}
                entries.extend(LdapEntry(item["dn"], item["raw_attributes"])
                               for item in conn.response or () if item.get("type") == "searchResEntry")
                if result.get("result", 0) != 0:
                    description = result.get("description")
                    self._log(f"LDAP ➔ error Search {search_filter} under '{base}' failed: {description}")
                    details = {"result": description}
                    if result.get("result") == _SIZE_LIMIT_EXCEEDED:
                        details["sizeLimit"] = size_limit
                    raise LdapError(SEARCH_FAILED, details, reason=description)
                cookie = (result.get("controls") or {}).get("1.2.840.113556.1.4.319", {}).get("value", {}).get("cookie")
                if not page_size or not cookie:
                    break
        except LdapError:
            raise
        except (LDAPException, OSError) as error:
            self._log(f"LDAP ➔ error Search {search_filter} under '{base}' failed: {error}")
            raise LdapError(SEARCH_FAILED, {"result": str(error)}, reason=str(error)) from None
        return entries

    def count(self, base, search_filter, *, scope="sub", conn=None):
        return len(self.search(base, search_filter, scope=scope, attributes=["1.1"], conn=conn))

    def user_filter(self, escaped_username):
        """``getUserFilter``: ``(&<user filter>(<field>=<u>))``; a comma list of fields gives an OR;
        the user filter gets parentheses when it has none."""
        parts = []
        if self.user_search_filter:
            wrapped = self.user_search_filter[0] == "("
            parts.append(self.user_search_filter if wrapped else f"({self.user_search_filter})")
        fields = [f"({field}={escaped_username})" for field in self.user_search_field.split(",")]
        parts.append(fields[0] if len(fields) == 1 else f"(|{''.join(fields)})")
        return f"(&{''.join(parts)})"

    def search_by_username(self, escaped_username):
        return self.search(self.base_dn, self.user_filter(escaped_username), size_limit=self.size_limit,
                           paged=True)

    def search_all_users(self):
        return self.search_by_username("*")

    def find_one_by_username(self, escaped_username):
        found = self.search_by_username(escaped_username)
        return found[0] if len(found) == 1 else None

    def find_one_by_id(self, hex_id, attribute):
        """``findOneById``: the stored hex id back to bytes, exactly one match required."""
        value = escape_bytes(bytes.fromhex(hex_id))
        if attribute:
            search_filter = f"({attribute}={value})"
        else:
            fields = split_list(self.unique_identifier_field) + split_list(self.user_search_field)
            search_filter = "(|" + "".join(f"({field}={value})" for field in fields) + ")"
        found = self.search(self.base_dn, search_filter)
        return found[0] if len(found) == 1 else None

    def group_filter_accepts(self, escaped_username, user_dn):
        """``isUserAcceptedByGroupFilter`` (§6.4): each part omitted when its setting is empty."""
        if self._setting("LDAP_Group_Filter_Enable") is not True:
            return True
        object_class = self._setting("LDAP_Group_Filter_ObjectClass")
        member_attribute = self._setting("LDAP_Group_Filter_Group_Member_Attribute")
        member_format = self._setting("LDAP_Group_Filter_Group_Member_Format") or ""
        id_attribute = self._setting("LDAP_Group_Filter_Group_Id_Attribute")
        group_name = self._setting("LDAP_Group_Filter_Group_Name") or ""
        parts = ["(&"]
        if object_class:
            parts.append(f"(objectclass={object_class})")
        if member_attribute:
            parts.append(f"({member_attribute}={member_format})")
        if id_attribute:
            parts.append(f"({id_attribute}={group_name})")
        parts.append(")")
        search_filter = "".join(parts).replace("#{username}", escaped_username).replace("#{userdn}", user_dn)
        return self.count(self.base_dn, search_filter, scope="sub") > 0


def escape_username(username):
    """``ldapEscape.filter``: RFC 4515 escaping of a value placed in a filter."""
    return escape_filter_chars(str(username))
