# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Direct directory access with ldap3, following the rules Rocket.Chat itself applies.

Everything here reads a plain mapping of Rocket.Chat setting ids to values (missing ids fall
back to the server's defaults), so ``ldap_check`` can test candidate settings before they are
saved and the mapping modules can look groups up with the same code.

What is modelled, from Rocket.Chat's ``apps/meteor/server/lib/ldap/`` (``Connection.ts``, ``Manager.ts``)
and ``apps/meteor/ee/server/lib/ldap/Manager.ts`` (the sync):
* the connection (plain, StartTLS, LDAPS; CA, reject-unauthorized, timeouts) and service bind;
* the user search ``(&<filter>(<field>=<escaped name>))``, the group filter, the role, channel
  and team membership filters with their ``#{...}`` placeholders;
* the user data mapping of a sync (username, e-mail, name, unique identifier, active state).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re
import socket
import ssl
import time
import traceback

try:
    import ldap3
    from ldap3.core.exceptions import LDAPCommunicationError, LDAPException, LDAPResponseTimeoutError
    from ldap3.utils.conv import escape_filter_chars
    # The directory stopped answering: a receive timeout, a closed or reset connection.
    _LOST = (LDAPCommunicationError, LDAPResponseTimeoutError)
    HAS_LDAP3 = True
    LDAP3_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported by the modules with missing_required_lib
    HAS_LDAP3 = False
    LDAP3_IMPORT_ERROR = traceback.format_exc()
    LDAPException = Exception
    _LOST = ()
    ldap3 = None

from ansible_collections.chatops.rocketchat.plugins.module_utils import _limax as limax
from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import AD_TWINS, SETTINGS
from ansible_collections.chatops.rocketchat.plugins.module_utils._families import TEAMS
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import split_list
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_filter import (
    PLACEHOLDER_RE, USER_PLACEHOLDERS, FilterSyntaxError, parse_filter, placeholders, wrap_filter,
)


# Every setting the directory code reads, with the server's default (callers read these ids from a
# workspace to build DirectorySettings).
DEFAULTS = dict((setting_id, SETTINGS[setting_id].default) for setting_id in (
    'LDAP_Enable', 'LDAP_Server_Type', 'LDAP_Host', 'LDAP_Port', 'LDAP_Authentication',
    'LDAP_Authentication_UserDN', 'LDAP_Authentication_Password', 'LDAP_Encryption', 'LDAP_CA_Cert',
    'LDAP_Reject_Unauthorized', 'LDAP_Timeout', 'LDAP_Connect_Timeout', 'LDAP_BaseDN',
    'LDAP_User_Search_Filter', 'LDAP_User_Search_Scope', 'LDAP_AD_User_Search_Field', 'LDAP_User_Search_Field',
    'LDAP_Search_Page_Size', 'LDAP_Search_Size_Limit', 'LDAP_Group_Filter_Enable', 'LDAP_Group_Filter_ObjectClass',
    'LDAP_Group_Filter_Group_Id_Attribute', 'LDAP_Group_Filter_Group_Member_Attribute',
    'LDAP_Group_Filter_Group_Member_Format', 'LDAP_Group_Filter_Group_Name', 'LDAP_Unique_Identifier_Field',
    'LDAP_Default_Domain', 'LDAP_AD_Username_Field', 'LDAP_Username_Field', 'LDAP_AD_Email_Field',
    'LDAP_Email_Field', 'LDAP_AD_Name_Field', 'LDAP_Name_Field', 'LDAP_Sync_User_Active_State',
    'LDAP_Sync_User_Data_Roles', 'LDAP_Sync_User_Data_Roles_BaseDN',
    'LDAP_Sync_User_Data_Roles_GroupMembershipValidationStrategy', 'LDAP_Sync_User_Data_Roles_Filter',
    'LDAP_Sync_User_Data_RolesMap', 'LDAP_Sync_User_Data_Channels', 'LDAP_Sync_User_Data_Channels_BaseDN',
    'LDAP_Sync_User_Data_Channels_GroupMembershipValidationStrategy', 'LDAP_Sync_User_Data_Channels_Filter',
    'LDAP_Sync_User_Data_ChannelsMap', 'LDAP_Enable_LDAP_Groups_To_RC_Teams', 'LDAP_Groups_To_Rocket_Chat_Teams',
    'LDAP_Teams_BaseDN', 'LDAP_Teams_Name_Field', 'LDAP_Query_To_Get_User_Teams',
))


class DirectoryError(Exception):
    """A directory operation failed. ``stage`` says where: dns, tcp, tls, bind, search, filter."""

    def __init__(self, stage, message):
        super(DirectoryError, self).__init__(message)
        self.stage = stage
        self.message = message


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------

class DirectorySettings:
    """The LDAP settings a directory operation needs, with the server's defaults and AD routing."""

    def __init__(self, values):
        self.values = dict(values or {})

    def get(self, setting_id):
        """The value, or the server's default when the id is absent (a candidate configuration)."""
        value = self.values.get(setting_id)
        if value is None:
            return SETTINGS[setting_id].default
        return value

    def text(self, setting_id):
        value = self.get(setting_id)
        return '' if value is None else str(value).strip()

    def number(self, setting_id):
        try:
            return int(self.get(setting_id))
        except (TypeError, ValueError):
            return int(SETTINGS[setting_id].default)

    @property
    def is_ad(self):
        return self.text('LDAP_Server_Type') == 'ad'

    def conditional(self, setting_id):
        """The value of a setting the server reads from its LDAP_AD_* twin when the server type is ad."""
        if self.is_ad:
            return self.text(AD_TWINS[setting_id])
        return self.text(setting_id)

    @property
    def search_fields(self):
        return split_list(self.conditional('LDAP_User_Search_Field'))

    @property
    def scope(self):
        return self.text('LDAP_User_Search_Scope') or 'sub'


# --------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------

def escape_value(value):
    return escape_filter_chars(str(value))


def substitute(template, username=None, userdn=None, group_name=None, group_filter=False):
    """Replace the ``#{...}`` placeholders as the server does.

    In the role, channel and team filters ``#{username}`` is the Rocket.Chat username as is and
    ``#{userdn}`` has its backslashes written as ``\\5c``; in the login/sync group filter
    (``group_filter``) the username is escaped for a filter and the DN is used as is.
    """
    result = template or ''
    if username is not None:
        result = result.replace('#{username}', escape_value(username) if group_filter else username)
    if userdn is not None:
        result = result.replace('#{userdn}', userdn if group_filter else userdn.replace('\\', '\\5c'))
    if group_name is not None:
        result = result.replace('#{groupName}', group_name)
    return result


# user_search_filter's username for "every user" (a sync's search): ``(<field>=*)``. A username given
# as text is always escaped, as the server escapes it: a login name "*" matches nobody.
ANY_USER = object()


def user_search_filter(settings, username):
    """``(&<user filter>(<field>=<escaped username>))``, an OR over several search fields."""
    value = '*' if username is ANY_USER else escape_value(username)
    terms = ['(%s=%s)' % (field, value) for field in settings.search_fields]
    if len(terms) == 1:
        field_filter = terms[0]
    else:
        field_filter = '(|%s)' % ''.join(terms)
    return '(&%s%s)' % (wrap_filter(settings.get('LDAP_User_Search_Filter')), field_filter)


def group_filter_template(settings):
    """The login/sync group filter before substitution (``Connection.ts`` ``isUserAcceptedByGroupFilter``), or None
    when disabled."""
    if not settings.get('LDAP_Group_Filter_Enable'):
        return None
    return '(&%s)' % ''.join(group_filter_items(settings))


def group_filter_items(settings, member=True):
    """The group filter's items: object class, member (unless ``member`` is false), group name; empty ones left out."""
    object_class = settings.text('LDAP_Group_Filter_ObjectClass')
    member_attribute = settings.text('LDAP_Group_Filter_Group_Member_Attribute')
    id_attribute = settings.text('LDAP_Group_Filter_Group_Id_Attribute')
    items = []
    if object_class:
        items.append('(objectclass=%s)' % object_class)
    if member and member_attribute:
        items.append('(%s=%s)' % (member_attribute, settings.text('LDAP_Group_Filter_Group_Member_Format')))
    if id_attribute:
        items.append('(%s=%s)' % (id_attribute, settings.text('LDAP_Group_Filter_Group_Name')))
    return items


# --------------------------------------------------------------------------------------------
# Connection
# --------------------------------------------------------------------------------------------

if HAS_LDAP3:
    class _HostCheckingTls(ldap3.Tls):
        """TLS where OpenSSL checks the host name (IP-address SANs included) and records the session.

        ldap3 2.9.1 checks host names with its own code, which ignores IP-address SANs on Python
        3.12+, so a certificate for 10.0.0.5 would be refused when the host is 10.0.0.5. Node.js,
        which Rocket.Chat uses, accepts it; letting OpenSSL do the check gives the same answer.
        """

        def __init__(self, host, ca_pem, verify):
            super(_HostCheckingTls, self).__init__(validate=ssl.CERT_REQUIRED if verify else ssl.CERT_NONE)
            self.check_host = host
            self.ca_pem = ca_pem or None
            self.verify = verify
            self.session = None
            self.failure = None

        def _context(self):
            if self.verify:
                context = ssl.create_default_context(cadata=self.ca_pem) if self.ca_pem \
                    else ssl.create_default_context()
                context.check_hostname = True
            else:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            return context

        def wrap_socket(self, connection, do_handshake=False):
            try:
                context = self._context()
                wrapped = context.wrap_socket(connection.socket, server_side=False,
                                              do_handshake_on_connect=do_handshake,
                                              server_hostname=self.check_host)
            except (ssl.SSLError, ssl.CertificateError, ValueError, OSError) as exc:
                self.failure = exc
                raise
            peer = wrapped.getpeercert() if self.verify else None
            self.session = {
                'protocol': wrapped.version(),
                'cipher': (wrapped.cipher() or (None,))[0],
                'not_after': (peer or {}).get('notAfter'),
            }
            connection.socket = wrapped


class Endpoint:
    """Where and how to reach the directory, from the connection settings."""

    def __init__(self, settings):
        self.host = settings.text('LDAP_Host')
        self.port = settings.number('LDAP_Port')
        self.encryption = settings.text('LDAP_Encryption') or 'plain'
        self.ca_pem = settings.text('LDAP_CA_Cert')
        self.verify = bool(settings.get('LDAP_Reject_Unauthorized'))
        self.connect_timeout = max(settings.number('LDAP_Connect_Timeout'), 1) / 1000.0
        # ldap3 packs the receive timeout into a socket option as whole seconds.
        self.timeout = max(int(math.ceil(settings.number('LDAP_Timeout') / 1000.0)), 1)

    @property
    def url(self):
        return '%s://%s:%d' % ('ldaps' if self.encryption == 'ssl' else 'ldap', self.host, self.port)

    @property
    def uses_tls(self):
        return self.encryption in ('tls', 'ssl')


def _describe_tls_failure(exc, endpoint):
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = exc.verify_message or str(exc)
        if 'mismatch' in reason.lower() or 'hostname' in reason.lower():
            return 'the certificate is not valid for host %r: %s' % (endpoint.host, reason)
        if 'expired' in reason.lower():
            return 'the server certificate has expired: %s' % reason
        if endpoint.ca_pem:
            return 'the server certificate was not signed by the configured CA certificate: %s' % reason
        return 'the server certificate is not trusted by the system CAs and no CA certificate is set: %s' % reason
    if (isinstance(exc, ssl.SSLError) and 'PEM' in str(exc)) or isinstance(exc, ValueError):
        return 'the CA certificate could not be read (is it a PEM certificate?): %s' % exc
    if isinstance(exc, ssl.SSLError) and 'PROTOCOL_VERSION' in str(exc).upper():
        # Python refuses TLS older than 1.2, so an outdated server never gets past the handshake.
        return ('TLS handshake failed: the server offers only an outdated protocol (TLS 1.1 or older), '
                'which this client refuses; enable TLS 1.2 or newer on the directory: %s' % exc)
    return 'TLS handshake failed: %s' % exc


class DirectoryConnection:
    """One open, optionally bound ldap3 connection; use as a context manager."""

    def __init__(self, settings, bind_dn=None, password=None):
        self.settings = settings
        self.endpoint = Endpoint(settings)
        self.bind_dn = bind_dn
        self.password = password
        self.tls = None
        self.conn = None
        self.round_trips = 0
        self.features = None  # DirectoryFeatures, read once (directory_features)
        self.lost = None      # why the directory stopped answering; no request is sent after that

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc_info):
        self.close()

    def open(self):
        endpoint = self.endpoint
        if not HAS_LDAP3:
            raise DirectoryError('connect', 'the ldap3 Python library is not installed')
        if not endpoint.host:
            raise DirectoryError('dns', 'no LDAP host is set')
        if endpoint.uses_tls:
            self.tls = _HostCheckingTls(endpoint.host, endpoint.ca_pem, endpoint.verify)
        server = ldap3.Server(endpoint.host, port=endpoint.port, use_ssl=endpoint.encryption == 'ssl',
                              tls=self.tls, connect_timeout=endpoint.connect_timeout, get_info=ldap3.NONE)
        self.conn = ldap3.Connection(server, user=self.bind_dn or None, password=self.password or None,
                                     auto_bind=ldap3.AUTO_BIND_NONE, receive_timeout=endpoint.timeout,
                                     read_only=True, raise_exceptions=False, auto_referrals=False)
        try:
            self.conn.open()
        except LDAPException as exc:
            self._raise_open_error(exc)
        if endpoint.encryption == 'tls':
            try:
                started = self.conn.start_tls()
            except LDAPException as exc:
                self._raise_open_error(exc)
            if not started:
                raise DirectoryError('tls', 'the server refused StartTLS: %s' % self._result_text())
        return self

    def _raise_open_error(self, exc):
        if self.tls is not None and self.tls.failure is not None:
            raise DirectoryError('tls', _describe_tls_failure(self.tls.failure, self.endpoint))
        message = str(exc)
        if self.endpoint.encryption == 'ssl' and ('ssl' in message.lower() or 'wrap' in message.lower()):
            raise DirectoryError('tls', 'TLS handshake failed: %s' % _strip_ldap3_noise(message))
        raise DirectoryError('tcp', 'cannot connect to %s: %s' % (self.endpoint.url, _strip_ldap3_noise(message)))

    def bind(self):
        """Bind with the connection's credentials (anonymous when none); raise DirectoryError on refusal."""
        try:
            ok = self.conn.bind()
        except LDAPException as exc:
            raise DirectoryError('bind', 'bind failed: %s' % _strip_ldap3_noise(str(exc)))
        self.round_trips += 1
        if not ok:
            raise DirectoryError('bind', 'the server refused the bind as %r: %s'
                                 % (self.bind_dn or 'anonymous', self._result_text()))
        return self

    def close(self):
        if self.conn is not None:
            try:
                self.conn.unbind()
            except Exception:  # closing a broken socket: nothing left to do
                pass
            self.conn = None

    def _result_text(self):
        result = self.conn.result or {}
        text = result.get('description') or 'unknown error'
        if result.get('message'):
            text += ' (%s)' % result['message']
        return text

    # -- searches ---------------------------------------------------------------------------

    def search(self, base, search_filter, scope='sub', attributes=None, page_size=0, size_limit=0):
        """All entries (as Entry), paging with ``page_size`` when > 0; raise DirectoryError."""
        if self.lost:
            raise DirectoryLost(self.lost)
        entries = []
        cookie = None
        while True:
            controls_kwargs = {}
            if page_size:
                controls_kwargs = {'paged_size': page_size, 'paged_cookie': cookie}
            try:
                self.conn.search(base, search_filter, search_scope=_SCOPES.get(scope, ldap3.SUBTREE),
                                 attributes=attributes or [ldap3.ALL_ATTRIBUTES], size_limit=size_limit,
                                 **controls_kwargs)
            except _LOST as exc:
                self.lost = ('the directory stopped answering (%s, within LDAP_Timeout: %d s) during a search under %r'
                             % (_strip_ldap3_noise(str(exc)), self.endpoint.timeout, base))
                raise DirectoryLost(self.lost)
            except LDAPException as exc:
                raise DirectoryError('search', 'search under %r failed: %s' % (base, _strip_ldap3_noise(str(exc))))
            self.round_trips += 1
            result = self.conn.result or {}
            code = result.get('result', 0)
            # 4 = sizeLimitExceeded: the entries sent so far are valid, the caller is told by `truncated`.
            if code not in (0, 4):
                if code == 32:
                    raise DirectoryError('search', 'base DN %r does not exist' % base)
                raise DirectoryError('search', 'search under %r with %s failed: %s'
                                     % (base, search_filter, self._result_text()))
            for item in self.conn.response or []:
                if item.get('type') == 'searchResEntry':
                    entries.append(Entry(item['dn'], item.get('raw_attributes') or {}))
            if code == 4:
                raise SizeLimitExceeded(entries)
            cookie = None
            if page_size:
                paged = (result.get('controls') or {}).get('1.2.840.113556.1.4.319') or {}
                cookie = (paged.get('value') or {}).get('cookie')
            if not cookie:
                return entries

    def exists(self, dn):
        try:
            self.search(dn, '(objectClass=*)', scope='base', attributes=['1.1'])
        except DirectoryError as exc:
            if 'does not exist' in exc.message:
                return False
            raise
        return True


class DirectoryLost(DirectoryError):
    """The directory stopped answering in the middle of the work (a timeout, a closed connection): what
    follows would only time out again, so callers stop and say so once."""

    def __init__(self, message):
        super(DirectoryLost, self).__init__('connection', message)


class SizeLimitExceeded(DirectoryError):
    def __init__(self, entries):
        super(SizeLimitExceeded, self).__init__('search', 'the size limit was exceeded')
        self.entries = entries


if HAS_LDAP3:
    _SCOPES = {'base': ldap3.BASE, 'one': ldap3.LEVEL, 'sub': ldap3.SUBTREE}
else:  # pragma: no cover
    _SCOPES = {}


def _strip_ldap3_noise(message):
    # ldap3 wraps socket errors as "socket connection error while opening: [Errno 111] ..."; keep it short.
    return re.sub(r'\s+', ' ', message).strip()


def resolve_host(host, port):
    """The addresses ``host`` resolves to; raise DirectoryError('dns')."""
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise DirectoryError('dns', 'cannot resolve %r: %s' % (host, exc.strerror or exc))
    return sorted(set(info[4][0] for info in infos))


def tcp_probe(host, port, timeout):
    """Open and close one TCP connection; raise DirectoryError('tcp')."""
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except socket.timeout:
        raise DirectoryError('tcp', 'no answer from %s:%d within %.1f s (the server waits LDAP_Connect_Timeout)'
                             % (host, port, timeout))
    except OSError as exc:
        raise DirectoryError('tcp', 'cannot connect to %s:%d: %s' % (host, port, exc.strerror or exc))
    sock.close()


# --------------------------------------------------------------------------------------------
# Entries and the user data mapping (``apps/meteor/server/lib/ldap/Manager.ts`` ``mapUserData``)
# --------------------------------------------------------------------------------------------

class Entry:
    """A directory entry with raw attribute values, looked up case-insensitively."""

    def __init__(self, dn, raw_attributes):
        self.dn = dn
        self._attrs = {}
        for name, values in raw_attributes.items():
            self._attrs[name.lower()] = list(values if isinstance(values, list) else [values])

    def raw(self, name):
        return self._attrs.get(name.lower(), [])

    def texts(self, name):
        if name.lower() == 'dn':
            return [self.dn]
        return [_decode(value) for value in self.raw(name)]

    def first(self, name):
        values = [value for value in self.texts(name) if value != '']
        return values[0] if values else None

    def first_present(self, names):
        """All values of the first attribute in ``names`` the entry has (how group names are read)."""
        for name in names:
            values = self.texts(name)
            if values:
                return values
        return []


def _decode(value):
    if isinstance(value, str):
        return value
    try:
        return value.decode('utf-8')
    except UnicodeDecodeError:
        return value.hex()


def _template_or_list(entry, spec):
    """A field setting is either a template with #{attr} placeholders or a comma list (first present wins)."""
    if '#{' in spec:
        return PLACEHOLDER_RE.sub(lambda match: entry.first(match.group(1)) or '', spec)
    for field in split_list(spec):
        value = entry.first(field)
        if value is not None:
            return value
    return None


def slugify_username(text):
    """The server's username slug (UTF8_Names_Slugify, on by default): ``limax`` with "." as the
    replacement, then only [0-9a-z-_.] (a port of the library, checked against its own output in
    tests/data/limax-corpus.json). A name the library itself fails on gets no username ('')."""
    try:
        return limax.slugify(text)
    except limax.LimaxError:
        return ''


def unique_identifier(entry, settings):
    """(attribute, hex value) as stored in services.ldap; the first non-empty field, else the DN."""
    for field in split_list(settings.text('LDAP_Unique_Identifier_Field')) + settings.search_fields:
        raw = [value for value in entry.raw(field) if value not in (b'', '')]
        if raw:
            value = raw[0]
            return field, (value if isinstance(value, bytes) else value.encode('utf-8')).hex()
    return 'dn', entry.dn.encode('utf-8').hex()


def _locked_out(entry, now):
    lockout = entry.first('lockoutTime')
    if not lockout or lockout == '0' or not lockout.isdigit():
        return False
    duration = entry.first('lockoutDuration')
    if not duration:
        return True  # no duration: locked until an administrator unlocks the account
    # The server compares lockoutTime (read as epoch ms) plus the duration (minutes) with now.
    return duration.lstrip('-').isdigit() and int(lockout) + int(duration) * 60000 > now * 1000


def disabled_reason(entry, now=None):
    """Why the server treats this entry as disabled (active-state sync, auto-logout), or None."""
    now = time.time() if now is None else now
    if entry.texts('pwdAccountLockedTime'):
        return 'locked by the password policy (pwdAccountLockedTime)'
    if entry.texts('loginDisabled'):
        return 'disabled (loginDisabled)'
    enabled = entry.first('orclIsEnabled')
    if enabled and enabled != 'ENABLED':
        return 'not allowed to authenticate (orclIsEnabled)'
    if _locked_out(entry, now):
        return 'locked out (lockoutTime)'
    control = entry.first('userAccountControl')
    if control and control.isdigit() and int(control) & 2:
        return 'disabled by an administrator (userAccountControl)'
    return None


def ldap_username(entry, settings):
    """The username attribute(s) of an entry before the slug (what a sync puts in the group filter)."""
    return _template_or_list(entry, settings.conditional('LDAP_Username_Field'))


def email_fields(settings):
    """The attributes the e-mail rule reads (the e-mail field setting, then ``mail``)."""
    return split_list(settings.conditional('LDAP_Email_Field')) + ['mail']


def email_address(entry, settings, username):
    """``(address, source)`` as the server picks the e-mail of ``entry``, or ``(None, None)`` when it
    would reject the user ("Failed to get email address from LDAP user").

    ``username`` is the Rocket.Chat username (for ``LDAP_Default_Domain``).
    """
    for field in split_list(settings.conditional('LDAP_Email_Field')):
        if entry.texts(field):
            # Only the first e-mail attribute the entry has counts, even when no value holds an "@".
            addresses = [value for value in entry.texts(field) if '@' in value]
            if addresses:
                return addresses[0], field
            break
    if username and settings.text('LDAP_Default_Domain'):
        return '%s@%s' % (username, settings.text('LDAP_Default_Domain')), 'LDAP_Default_Domain'
    mail = entry.texts('mail')
    if len(mail) == 1 and '@' in mail[0]:
        return mail[0], 'mail'
    return None, None


def map_user(entry, settings, login_name=None):
    """The Rocket.Chat user a sync or login would make of ``entry``.

    Returns a dict; ``email`` is None when the server would reject the user.
    """
    raw_username = ldap_username(entry, settings)
    username = slugify_username(raw_username or login_name or '')
    email, email_source = email_address(entry, settings, username)

    id_attribute, id_value = unique_identifier(entry, settings)
    return {
        'dn': entry.dn,
        'username': username,
        'email': email,
        'email_source': email_source,
        'name': _template_or_list(entry, settings.conditional('LDAP_Name_Field')) or '',
        'unique_id': id_value,
        'unique_id_attribute': id_attribute,
        'disabled': disabled_reason(entry),
    }


# --------------------------------------------------------------------------------------------
# Group membership (roles, channels, teams) and the group filter
# --------------------------------------------------------------------------------------------

class MembershipSpec:
    """One membership mapping as the directory sees it: the roles or channels family (``_families``; the
    same mechanics with different settings) and the values ``settings`` gives its settings."""

    def __init__(self, settings, family):
        self.family = family
        self.kind = family.plural
        self.enabled_id = family.setting(family.enabled)
        self.map_id = family.map_setting
        self.filter_id = family.setting(family.filter)
        self.base_dn_id = family.setting(family.base_dn)
        self.strategy_id = family.setting(family.strategy)
        self.enabled = bool(settings.get(self.enabled_id))
        self.filter = settings.text(self.filter_id)
        self.base_dn = settings.text(self.base_dn_id)
        self.strategy = settings.text(self.strategy_id) or 'each_group'


def _normalize_dn_like(value):
    return re.sub(r'\s*([,=+])\s*', r'\1', value.strip()).lower()


class GroupBatch:
    """One search that tells which of many groups a membership filter template matches.

    Exact when ``#{groupName}`` occurs once, in an equality item without ``*`` that only ANDs lead
    to (not under a NOT or an OR): every group's filter is then the same conjuncts plus that item,
    so ``(|(&C(cn=g1))(&C(cn=g2))...)`` equals ``(&C(|(cn=g1)(cn=g2)...))`` -- the form a directory
    answers from its indexes, since the user's part ``C`` is evaluated once -- and an entry it
    returns matches a group's filter exactly when its value of the item's attribute is that group's.
    """

    def __init__(self, conjuncts, item):
        self.conjuncts = ''.join(node.text for node in conjuncts)
        self.item = item.text
        self.attribute = item.attribute
        self.value = item.value

    @classmethod
    def of(cls, filter_template):
        """The batch for ``filter_template``, or None when one search would not be exact."""
        if filter_template.count('#{groupName}') != 1:
            return None
        try:
            node = parse_filter(filter_template)
        except FilterSyntaxError:
            return None
        conjuncts = []
        while node.kind == '&':
            inner = [child for child in node.children if '#{groupName}' in child.text][0]
            conjuncts.extend(child for child in node.children if child is not inner)
            node = inner
        if node.kind != '=' or '#{groupName}' not in node.value or '*' in node.value:
            return None
        return cls(conjuncts, node)

    def search_filter(self, groups, **user):
        """The filter for all ``groups``, the user placeholders (``username``, ``userdn``) substituted."""
        alternatives = ''.join(substitute(self.item, group_name=group, **user) for group in groups)
        if len(groups) > 1:
            alternatives = '(|%s)' % alternatives
        conjuncts = substitute(self.conjuncts, **user)
        return '(&%s%s)' % (conjuncts, alternatives) if conjuncts else alternatives

    def search(self, conn, base_dn, groups, page_size=0, **user):
        """The names in ``groups`` whose filter matches an entry under ``base_dn``: one paged search."""
        expected = dict((_normalize_dn_like(substitute(self.value, group_name=group, **user)), group)
                        for group in groups)
        found = set()
        for entry in conn.search(base_dn, self.search_filter(groups, **user), scope='sub',
                                 attributes=[self.attribute], page_size=page_size):
            for value in entry.texts(self.attribute):
                group = expected.get(_normalize_dn_like(value))
                if group is not None:
                    found.add(group)
        return [group for group in groups if group in found]


def membership(conn, spec, groups, username, userdn, size_limit=0, page_size=0, batch=True):
    """The mapped groups (subset of ``groups``) the user belongs to, as the server would resolve them.

    ``each_group``: the server runs one search per group; this runs one paged search instead
    when the filter allows it (``batch``, see ``GroupBatch``), else the per-group searches.
    ``once``: one search with the user's placeholders; each entry contributes its ``ou`` value,
    else its ``cn`` value, as a group name (names outside the map are ignored).
    """
    groups = list(groups)
    if not groups:
        return []
    if spec.strategy == 'once':
        search_filter = substitute(spec.filter, username=username, userdn=userdn)
        entries = conn.search(spec.base_dn, search_filter, scope=conn.settings.scope,
                              attributes=['ou', 'cn'], size_limit=size_limit)
        found = set()
        for entry in entries:
            found.update(entry.first_present(['ou', 'cn']))
        return [group for group in groups if group in found]
    group_batch = GroupBatch.of(spec.filter) if batch and len(groups) > 1 else None
    if group_batch is None:
        return [group for group in groups
                if conn.search(spec.base_dn,
                               substitute(spec.filter, username=username, userdn=userdn, group_name=group),
                               scope='sub', attributes=['1.1'])]
    return group_batch.search(conn, spec.base_dn, groups, page_size=page_size, username=username, userdn=userdn)


def passes_group_filter(conn, settings, username, userdn):
    """True/False for the login and sync group filter, or None when the filter is off."""
    template = group_filter_template(settings)
    if template is None:
        return None
    search_filter = substitute(template, username=username, userdn=userdn, group_filter=True)
    entries = conn.search(settings.text('LDAP_BaseDN'), search_filter, scope='sub', attributes=['1.1'])
    return bool(entries)


def team_names(conn, settings, userdn, username):
    """Group names the teams query finds for the user (read from LDAP_Teams_Name_Field attributes)."""
    base = settings.text(TEAMS.setting(TEAMS.base_dn)) or settings.text(TEAMS.base_dn_fallback)
    search_filter = substitute(settings.text(TEAMS.setting(TEAMS.filter)), username=username, userdn=userdn)
    fields = split_list(settings.text(TEAMS.setting('name_attributes')))
    names = []
    for entry in conn.search(base, search_filter, scope='sub', attributes=fields or ['ou', 'cn']):
        names.extend(entry.first_present(fields or ['ou', 'cn']))
    return names


def find_users(conn, settings, username, attributes=None):
    """Entries the server's user search finds for ``username`` (it needs exactly one)."""
    return conn.search(settings.text('LDAP_BaseDN'), user_search_filter(settings, username),
                       scope=settings.scope, attributes=attributes,
                       page_size=max(settings.number('LDAP_Search_Page_Size'), 0))


def open_service_connection(settings):
    """A connection opened and bound as the service account (anonymous when LDAP_Authentication is off)."""
    if settings.get('LDAP_Authentication'):
        conn = DirectoryConnection(settings, bind_dn=settings.text('LDAP_Authentication_UserDN') or None,
                                   password=settings.text('LDAP_Authentication_Password') or None)
    else:
        conn = DirectoryConnection(settings)
    conn.open()
    try:
        conn.bind()
    except DirectoryError:
        conn.close()
        raise
    return conn


def _any_member(filter_template):
    """``filter_template`` with every item that names the user (``#{username}``, ``#{userdn}``) turned
    into a presence test on its plain attribute, so it matches a group with any member.

    A presence test, not the placeholder read as ``*``: an extensible match such as AD's nested-group
    ``(member:1.2.840.113556.1.4.1941:=#{userdn})`` allows no ``*``, and a DN-valued attribute has no
    substring matching, so ``(member=uid=*,ou=people,...)`` would match nothing.
    """
    try:
        root = parse_filter(filter_template)
    except FilterSyntaxError as exc:
        raise DirectoryError('filter', 'invalid membership filter %r: %s' % (filter_template, exc))
    return _with_user_items_as_presence(root)


def _with_user_items_as_presence(node):
    if node.children:
        return '(%s%s)' % (node.kind, ''.join(_with_user_items_as_presence(child) for child in node.children))
    if not any('#{%s}' % name in node.value for name in USER_PLACEHOLDERS):
        return node.text
    # "member:dn:1.2.3:" -> "member"; an extensible match without an attribute tests any entry.
    attribute = node.attribute.split(':', 1)[0]
    return '(%s=*)' % (attribute or 'objectClass')


def find_groups(conn, base_dn, filter_template, groups, page_size=0):
    """The names in ``groups`` for which ``filter_template`` (user placeholders read as any member) matches.

    One paged search when the filter allows it (see ``GroupBatch``), else one search per group.
    """
    groups = list(groups)
    template = _any_member(filter_template)
    group_batch = GroupBatch.of(template) if len(groups) > 1 else None
    if group_batch is None:
        return [group for group in groups
                if conn.search(base_dn, substitute(template, group_name=group), scope='sub', attributes=['1.1'])]
    return group_batch.search(conn, base_dn, groups, page_size=page_size)


def missing_groups(settings, base_dn, filter_template, groups):
    """The mapped group names the directory does not have (for the mapping modules' validation).

    ``settings``: DirectorySettings for the connection; raises DirectoryError when it cannot search.
    """
    conn = open_service_connection(settings)
    try:
        found = set(find_groups(conn, base_dn, filter_template, groups,
                                page_size=max(settings.number('LDAP_Search_Page_Size'), 0)))
    finally:
        conn.close()
    return [group for group in groups if group not in found]


# --------------------------------------------------------------------------------------------
# The users a sync of all users handles (for ldap_check's count and a sync-side report)
# --------------------------------------------------------------------------------------------

# Which reason a skipped user carries in SyncCandidates.skipped.
SKIP_NO_EMAIL = 'no e-mail'
# Page size of the search of all users when LDAP_Search_Page_Size is 0 (the server would not page; this does,
# to get every entry past the directory's cap on unpaged searches).
SYNC_FALLBACK_PAGE_SIZE = 500


class SyncCandidates:
    """What a sync of all users makes of the directory (``apps/meteor/ee/server/lib/ldap/Manager.ts`` ``LDAPEEManager.sync``).

    ``matching``: the entries the user search with ``*`` finds; ``admitted``: those the group filter
    admits (all of them when it is off); ``skipped``: the admitted users the server rejects, each
    ``{username, dn, reason}`` (``reason`` is SKIP_NO_EMAIL: no e-mail address, so the server logs
    "Failed to get email address from LDAP user" and skips the user; ``no_email_reason`` says it in
    full); ``importable``: the rest.
    """

    def __init__(self, matching, admitted, skipped):
        self.matching = matching
        self.admitted = admitted
        self.skipped = skipped

    @property
    def importable(self):
        return len(self.admitted) - len(self.skipped)


def no_email_reason(settings):
    """Why the server rejects a user without an e-mail address (SKIP_NO_EMAIL), in full."""
    email_setting = AD_TWINS['LDAP_Email_Field'] if settings.is_ad else 'LDAP_Email_Field'
    fields = split_list(settings.conditional('LDAP_Email_Field'))
    where = '%s (%s)' % (', '.join(fields), email_setting) if fields else 'no attribute (%s is empty)' % email_setting
    return ('no e-mail attribute: no value with "@" in %s, LDAP_Default_Domain is empty and there is no single '
            'mail value, so the server rejects the entry ("Failed to get email address from LDAP user")' % where)


def sync_search_attributes(settings, unique_ids=False):
    """The attributes a sync's user search needs here: search fields, username and e-mail attributes, and
    with ``unique_ids`` the LDAP_Unique_Identifier_Field ones (how synced users are matched, services.ldap.id)."""
    spec = settings.conditional('LDAP_Username_Field')
    names = placeholders(spec) if '#{' in spec else split_list(spec)
    names += settings.search_fields + email_fields(settings)
    if unique_ids:
        names += split_list(settings.text('LDAP_Unique_Identifier_Field'))
    return sorted(set(name for name in names if name.lower() != 'dn'))


def sync_candidates(conn, settings, unique_ids=False):
    """The SyncCandidates of the directory behind ``conn`` (opened and bound as the service account).

    One paged search of all users (LDAP_Search_Page_Size, else SYNC_FALLBACK_PAGE_SIZE) reading
    ``sync_search_attributes``, then the group filter in a constant number of searches where it allows it
    (``admitted_by_group_filter``). Raises DirectoryError, or SizeLimitExceeded (with the entries received)
    when the directory stops the search.
    """
    page = settings.number('LDAP_Search_Page_Size')
    entries = conn.search(settings.text('LDAP_BaseDN'), user_search_filter(settings, ANY_USER), scope=settings.scope,
                          attributes=sync_search_attributes(settings, unique_ids=unique_ids),
                          page_size=page if page > 0 else SYNC_FALLBACK_PAGE_SIZE)
    admitted = admitted_by_group_filter(conn, settings, entries)
    skipped = []
    for entry in admitted:
        # A sync has no login name: the username comes from the entry alone.
        username = slugify_username(ldap_username(entry, settings) or '')
        if email_address(entry, settings, username)[0] is None:
            skipped.append({'username': username, 'dn': entry.dn, 'reason': SKIP_NO_EMAIL})
    return SyncCandidates(entries, admitted, skipped)


def _member_key(value):
    return value.strip().lower()


def admitted_by_group_filter(conn, settings, entries):
    """The ``entries`` the login/sync group filter admits (all when it is off).

    The filter is (&(objectclass=C)(<member attr>=<member format>)(<id attr>=<name>)): when the member
    format names the user, the groups it selects are searched once with their member values and each
    entry's member value is looked up; otherwise one search per entry.
    """
    if group_filter_template(settings) is None or not entries:
        return list(entries)
    member_attribute = settings.text('LDAP_Group_Filter_Group_Member_Attribute')
    member_format = settings.text('LDAP_Group_Filter_Group_Member_Format')
    if not member_attribute or ':' in member_attribute or \
            not any(name in member_format for name in ('#{username}', '#{userdn}')):
        return [entry for entry in entries
                if passes_group_filter(conn, settings, ldap_username(entry, settings) or '', entry.dn)]
    parts = group_filter_items(settings, member=False)
    groups_filter = '(&%s)' % ''.join(parts) if parts else '(objectclass=*)'
    members = set()
    for group in conn.search(settings.text('LDAP_BaseDN'), groups_filter, scope='sub', attributes=[member_attribute]):
        members.update(_member_key(value) for value in group.texts(member_attribute))
    # A sync puts the entry's LDAP username (before the slug) into #{username}.
    return [entry for entry in entries
            if _member_key(member_format.replace('#{username}', ldap_username(entry, settings) or '')
                           .replace('#{userdn}', entry.dn)) in members]


# --------------------------------------------------------------------------------------------
# What the directory supports: matching rules (nested groups)
# --------------------------------------------------------------------------------------------

# LDAP_MATCHING_RULE_IN_CHAIN: Active Directory's transitive (nested group) match.
IN_CHAIN_RULE = '1.2.840.113556.1.4.1941'
# Root DSE supportedCapabilities of Active Directory (AD DS) and AD LDS, which implement IN_CHAIN_RULE.
AD_CAPABILITIES = ('1.2.840.113556.1.4.800', '1.2.840.113556.1.4.1851')
_RULE_OID_RE = re.compile(r'\(\s*([0-9.]+)')
_RULE_NAME_RE = re.compile(r"NAME\s+(?:'([^']*)'|\(([^)]*)\))")


def matching_rules_in(filter_text):
    """The matching rule OIDs (or names) of the extensible-match items of a filter (placeholders allowed)."""
    sample = substitute(filter_text or '', username='sample', userdn='cn=sample', group_name='sample')
    try:
        root = parse_filter(sample)
    except FilterSyntaxError:
        return []
    rules = []
    for item in root.items():
        if item.kind != ':=':
            continue
        # attr[:dn]:rule, [:dn]:rule or attr[:dn] (no rule)
        parts = [part for part in item.attribute.split(':')[1:] if part and part.lower() != 'dn']
        if parts and parts[-1] not in rules:
            rules.append(parts[-1])
    return rules


class DirectoryFeatures:
    """What the root DSE (and, unless it is Active Directory, the subschema) say about the directory.

    ``active_directory``: the root DSE advertises an AD capability; ``matching_rules``: the OIDs the
    subschema's ``matchingRules`` publishes (None when not read or not published); ``problem``: why
    the directory could not be asked (then support is unknown).
    """

    def __init__(self, active_directory=False, matching_rules=None, problem=None):
        self.active_directory = active_directory
        self.matching_rules = matching_rules
        self.problem = problem

    def supports(self, rule):
        """True, False, or None when unknown."""
        if self.active_directory and rule == IN_CHAIN_RULE:
            return True
        if self.matching_rules is None:
            return None
        return rule in self.matching_rules or rule.lower() in self.matching_rules

    def describe(self):
        if self.problem:
            return self.problem
        if self.active_directory:
            return 'the root DSE advertises Active Directory'
        if self.matching_rules is None:
            return 'the directory publishes no matchingRules and its root DSE advertises no Active Directory capability'
        return ('it is not among the matchingRules of the directory\'s subschema, and its root DSE advertises no '
                'Active Directory capability')


def directory_features(conn):
    """The DirectoryFeatures of the directory behind ``conn`` (bound), read once per connection.

    One base search of the root DSE (supportedCapabilities, subschemaSubentry); unless that shows
    Active Directory, one base search of the subschema entry (matchingRules).
    """
    cached = getattr(conn, 'features', None)
    if isinstance(cached, DirectoryFeatures):
        return cached
    try:
        dse = conn.search('', '(objectClass=*)', scope='base',
                          attributes=['supportedCapabilities', 'subschemaSubentry'])
    except DirectoryLost:
        raise
    except DirectoryError as exc:
        features = DirectoryFeatures(problem='the root DSE could not be read (%s)' % exc.message)
    else:
        features = _features_from(conn, dse[0] if dse else Entry('', {}))
    conn.features = features
    return features


def _features_from(conn, dse):
    if set(dse.texts('supportedCapabilities')) & set(AD_CAPABILITIES):
        return DirectoryFeatures(active_directory=True)
    subschema = dse.first('subschemaSubentry')
    if not subschema:
        return DirectoryFeatures()
    try:
        entries = conn.search(subschema, '(objectClass=subschema)', scope='base', attributes=['matchingRules'])
    except DirectoryLost:
        raise
    except DirectoryError as exc:
        return DirectoryFeatures(problem='the subschema %s could not be read (%s)' % (subschema, exc.message))
    rules = set()
    for entry in entries:
        for definition in entry.texts('matchingRules'):
            match = _RULE_OID_RE.match(definition)
            if match:
                rules.add(match.group(1))
            names = _RULE_NAME_RE.search(definition)
            if names:
                rules.update(name.lower() for name in re.findall(r"[^'\s]+", names.group(1) or names.group(2)))
    return DirectoryFeatures(matching_rules=rules if entries else None)
