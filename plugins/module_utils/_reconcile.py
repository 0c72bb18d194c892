# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions that turn desired and current setting values into a plan and a diff.

No I/O here. ``coerce`` turns a user's value into the native JSON type the server stores and
validates it (errors name the option and the accepted values); ``same`` compares semantically
(JSON-valued settings as parsed JSON, PEM text without line-ending noise, otherwise strictly by
JSON type and value, so ``"389"`` differs from ``389`` and gets rewritten as a number);
``plan`` keeps only what differs; ``diff``, ``mask`` and ``describe_changes`` never show a secret
or a CA certificate's PEM text (shown by subject and fingerprint), and list settings in the admin
UI's order (``catalog.in_admin_ui_order``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import MASK, ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import (
    AD_TWINS, LDAP_SETTINGS_OPTIONS, SEARCH_SCOPES, SERVER_TYPE_CHOICES, SETTINGS, VALIDATION, in_admin_ui_order,
    is_secret, option_name,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._certificates import certificate_problem, describe_certificates
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_filter import (
    ATTRIBUTE_TYPE, PLACEHOLDER_RE, template_problems,
)

MASK_CHANGED = MASK + ' (changed)'
UNKNOWN = '(not readable)'


class Unknown(object):
    """The value of a setting the server does not disclose (a masked secret)."""

    def __repr__(self):
        return 'UNREADABLE'


UNREADABLE = Unknown()


# ----------------------------------------------------------------- coercion

def _fail(option, problem, accepted=None, setting_id=None):
    text = '%s: %s' % (option, problem)
    if accepted:
        text += '; accepted: %s' % accepted
    raise ModuleFailure(text, invalid=[option], setting_id=setting_id)


def coerce(setting_id, value, option=None):
    """``value`` as the native type of ``setting_id``, validated; raises ``ModuleFailure`` naming ``option``."""
    option = option or setting_id
    setting = SETTINGS[setting_id]
    kind = setting.type
    if kind == 'boolean':
        if isinstance(value, bool):
            result = value
        elif isinstance(value, str) and value.lower() in BOOLEANS_TRUE:
            result = True
        elif isinstance(value, str) and value.lower() in BOOLEANS_FALSE:
            result = False
        else:
            _fail(option, 'expected a boolean, got %s' % _shown(setting_id, value), 'true, false', setting_id)
    elif kind == 'int':
        result = _as_int(value)
        if result is None:
            _fail(option, 'expected an integer, got %s' % _shown(setting_id, value), 'integers', setting_id)
    elif kind == 'code':
        result = _as_json_text(setting_id, value, option)
    else:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            _fail(option, 'expected a string, got %s' % type(value).__name__, None, setting_id)
        result = value if isinstance(value, str) else str(value)
        if kind == 'select' and VALIDATION.get(setting_id) != 'interval' and result not in setting.values:
            _fail(option, 'invalid value %s' % _shown(setting_id, result), _accepted(setting.values), setting_id)
    validate_value(setting_id, result, option)
    return result


def _as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.match(r'^\s*-?\d+\s*$', value):
        return int(value)
    return None


def _as_json_text(setting_id, value, option):
    """JSON-valued settings are stored as text: dicts are serialised, text must parse as a JSON object."""
    if isinstance(value, dict):
        return json.dumps(value, indent=2, ensure_ascii=False)
    if isinstance(value, str):
        if value.strip() == '':
            return ''
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            _fail(option, 'not valid JSON (%s)' % exc, 'a JSON object, as a mapping or as text', setting_id)
        if not isinstance(parsed, dict):
            _fail(option, 'expected a JSON object, got a JSON %s' % type(parsed).__name__,
                  'a JSON object, as a mapping or as text', setting_id)
        return value
    _fail(option, 'expected a mapping or JSON text, got %s' % type(value).__name__,
          'a JSON object, as a mapping or as text', setting_id)


def _accepted(values):
    return ', '.join('"%s"' % v if v else '"" (empty)' for v in values)


def _shown(setting_id, value):
    if is_secret(setting_id):
        return MASK
    if VALIDATION.get(setting_id) == 'pem' and isinstance(value, str):
        return describe_certificates(value)
    return json.dumps(value) if not isinstance(value, (str, int, float, bool)) else repr(value)


# ----------------------------------------------------------------- value validation

def validate_value(setting_id, value, option=None):
    """Checks beyond the type (``catalog.VALIDATION``): DN, filter, cron, interval, PEM, scope."""
    option = option or setting_id
    kind = VALIDATION.get(setting_id)
    if kind is None or value == '':
        return
    problem, accepted = None, None
    if kind == 'port':
        if not 1 <= value <= 65535:
            problem, accepted = 'port %d is out of range' % value, 'a TCP port from 1 to 65535'
    elif kind == 'count':
        if value < 0:
            problem, accepted = 'negative value %d' % value, '0 (no limit) or a positive integer'
    elif kind == 'host':
        problem, accepted = host_problem(value), 'a host name or IP address, such as "ldap.example.org"'
    elif kind == 'dn':
        problem, accepted = dn_problem(value), 'a distinguished name such as "ou=people,dc=example,dc=org"'
    elif kind == 'bind_dn':
        # Active Directory also binds a user principal name (svc@corp.example.com) or a down-level
        # logon name (CORP\svc); the server hands the text to its LDAP client's bind as it is.
        if not _BIND_NAME.match(value):
            problem = dn_problem(value)
        accepted = ('a distinguished name such as "cn=rocketchat,ou=services,dc=example,dc=org", or for Active '
                    'Directory a user principal name ("svc@corp.example.com") or "DOMAIN\\name"')
    elif kind == 'filter':
        text = value if value.lstrip().startswith('(') else '(%s)' % value
        problem, accepted = filter_problem(text), 'an LDAP filter such as "(objectClass=person)"'
    elif kind == 'cron':
        problem, accepted = cron_problem(value), 'a 5-field cron expression such as "0 */6 * * *"'
    elif kind == 'interval':
        values = SETTINGS[setting_id].values
        if value not in values:
            problem = cron_problem(value)
            accepted = '%s, or a 5-field cron expression such as "30 2 * * *"' % _accepted(values)
    elif kind == 'pem':
        problem, accepted = certificate_problem(value), 'PEM text with one or more "-----BEGIN CERTIFICATE-----" blocks'
    elif kind == 'attributes':
        wrong = [name for name in split_list(value) if not _ATTR.match(name)]
        if wrong:
            problem = 'not an attribute name: %s' % ', '.join(repr(name) for name in wrong)
            accepted = 'attribute names separated by commas, such as "ou,cn"'
    elif kind == 'scope':
        if value not in SEARCH_SCOPES:
            problem, accepted = 'invalid scope %r' % value, _accepted(SEARCH_SCOPES)
    if problem:
        _fail(option, problem, accepted, setting_id)


# An attribute type: a name, or a numeric OID (RFC 4512).
_ATTR = re.compile('^%s$' % ATTRIBUTE_TYPE)


def _split_unescaped(text, separators):
    """Split on unescaped separator characters; returns the parts or raises ValueError."""
    parts, current, i = [], '', 0
    while i < len(text):
        char = text[i]
        if char == '\\':
            if i + 1 >= len(text):
                raise ValueError('ends with a lone backslash')
            current += text[i:i + 2]
            i += 2
            continue
        if char in separators:
            parts.append(current)
            current = ''
        else:
            current += char
        i += 1
    parts.append(current)
    return parts


_CONTROL = re.compile(r'[\x00-\x1f\x7f]')
# A user principal name or a down-level logon name: no "=", no spaces or control characters.
# A user principal name, or DOMAIN\name, whose name (a sAMAccountName) may hold inner spaces.
_BIND_NAME = re.compile(r'^(?:[^@=\s\\\x00-\x1f\x7f]+@[^@=\s\\\x00-\x1f\x7f]+'
                        r'|[^@=\s\\\x00-\x1f\x7f]+\\[^@=\s\\\x00-\x1f\x7f](?:[^@=\\\x00-\x1f\x7f]*[^@=\s\\\x00-\x1f\x7f])?)$')


def host_problem(host):
    """None when ``host`` can be a host name or address in the server's ``ldap://host:port`` URL, else the problem."""
    if '://' in host:
        return ('%r is a URL: give the host name alone, and the port and encryption with their own options'
                % host[:100])
    if len(host) > 253:
        return 'a host name of %d characters (a DNS name has at most 253)' % len(host)
    if _CONTROL.search(host) or re.search(r'[\s/@?#]', host):
        return '%r holds characters no host name has (spaces, "/", "@", "?", "#" or control characters)' % host
    if re.match(r'^[^:]+:[0-9]+$', host):
        # the server builds ldap://<host>:<LDAP_Port>, so a port here would be given twice
        return '%r ends with a port: give the host name alone and the port with its own option' % host
    return None


def dn_problem(dn):
    """None when ``dn`` is a syntactically valid distinguished name (RFC 4514), else the problem."""
    if _CONTROL.search(dn):
        return 'control character %r in %r' % (_CONTROL.search(dn).group(), dn[:100])
    dn = PLACEHOLDER_RE.sub('x', dn)
    try:
        rdns = _split_unescaped(dn, ',;')
        for rdn in rdns:
            if not rdn.strip():
                return 'empty component in %r' % dn
            for ava in _split_unescaped(rdn, '+'):
                attr, sep, value = ava.partition('=')
                if not sep:
                    return 'component %r has no "="' % ava.strip()
                if not _ATTR.match(attr.strip()):
                    return 'invalid attribute name %r' % attr.strip()
                bad = _bad_escape(value, r'[ "#+,;<=>\\]')
                if bad:
                    return bad
    except ValueError as exc:
        return str(exc)
    return None


def _bad_escape(value, specials):
    for match in re.finditer(r'\\(.?.?)', value):
        follow = match.group(1)
        if not (re.match(r'^[0-9A-Fa-f]{2}$', follow) or re.match(specials, follow[:1] or 'x')):
            return 'invalid escape "\\%s"' % follow
    return None


def filter_problem(text):
    """None when ``text`` is a valid LDAP filter (``_ldap_filter.template_problems``; any ``#{...}``
    placeholder allowed), else the problems."""
    text = text.strip()
    problems = template_problems(text)
    return '%s in %r' % ('; '.join(problems), text) if problems else None


_CRON_FIELDS = (('minute', 0, 59), ('hour', 0, 23), ('day of month', 1, 31), ('month', 1, 12), ('day of week', 0, 6))


def cron_problem(expression):
    """None when ``expression`` is a 5-field cron expression the server's validator accepts, else the problem."""
    fields = expression.split()
    if len(fields) != 5:
        return '%r is neither an accepted key nor a cron expression (5 fields expected, got %d)' % (
            expression, len(fields))
    for field, (name, low, high) in zip(fields, _CRON_FIELDS):
        for part in field.split(','):
            match = re.match(r'^(\*|(\d+)(?:-(\d+))?)(?:/(\d+))?$', part)
            if not match:
                return 'invalid %s field %r in %r' % (name, field, expression)
            numbers = [int(n) for n in match.group(2, 3) if n is not None]
            if any(n < low or n > high for n in numbers):
                return '%s field %r out of range %d-%d in %r' % (name, field, low, high, expression)
            if len(numbers) == 2 and numbers[0] > numbers[1]:
                return 'reversed range in %s field %r of %r' % (name, field, expression)
            if match.group(4) is not None and int(match.group(4)) == 0:
                return 'step 0 in %s field %r of %r' % (name, field, expression)
    return None


# ----------------------------------------------------------------- comparison, plan, diff

def normalize(setting_id, value):
    """A canonical form for comparing two values of ``setting_id``."""
    setting = SETTINGS.get(setting_id)
    if setting is not None and setting.type == 'code' and isinstance(value, str):
        if value.strip() == '':
            return ('json', None)
        try:
            return ('json', json.dumps(json.loads(value), sort_keys=True))
        except ValueError:
            return ('text', value)
    if VALIDATION.get(setting_id) == 'attributes' and isinstance(value, str):
        return ('attributes', [name.strip() for name in value.split(',')])
    if VALIDATION.get(setting_id) == 'pem' and isinstance(value, str):
        return ('pem', '\n'.join(line.strip() for line in value.strip().splitlines()))
    # JSON text keeps types apart: true != 1, "389" != 389.
    return ('value', json.dumps(value, sort_keys=True))


def same(setting_id, desired, current):
    """True when ``current`` already is ``desired``; an UNREADABLE current value is never the same."""
    if current is UNREADABLE:
        return False
    return normalize(setting_id, desired) == normalize(setting_id, current)


def plan(desired, current):
    """The changes ``{id: value}`` that turn ``current`` into ``desired`` (ids absent from current included)."""
    return dict((setting_id, value) for setting_id, value in desired.items()
                if setting_id not in current or not same(setting_id, value, current[setting_id]))


def mask(setting_id, value):
    """``value`` fit to show: secrets become ``"********"`` (``""`` stays ``""``: it reveals nothing); a CA
    certificate is shown by subject and SHA-256 fingerprint (``certificates.describe_certificates``)."""
    if value is UNREADABLE:
        return UNKNOWN
    if is_secret(setting_id) and value not in ('', None):
        return MASK
    if VALIDATION.get(setting_id) == 'pem':
        return describe_certificates(value)
    return value


def masked(values):
    """A ``{id: value}`` map with every value fit to show (``mask``), in the admin UI's order."""
    return dict((setting_id, mask(setting_id, values[setting_id])) for setting_id in in_admin_ui_order(values))


def diff(before, after):
    """Ansible's ``{'before': ..., 'after': ...}`` for the ids in ``after``, values fit to show (``mask``),
    in the admin UI's order (Ansible's diff callback sorts the keys again when it prints the diff; the
    registered result and ``describe_changes`` keep this order).

    A changed secret shows as ``"********"`` -> ``"******** (changed)"`` so the change is visible
    without the value.
    """
    old, new = {}, {}
    for setting_id in in_admin_ui_order(after):
        old[setting_id] = mask(setting_id, before.get(setting_id))
        new[setting_id] = mask(setting_id, after[setting_id])
        if is_secret(setting_id) and new[setting_id] == MASK and not same(setting_id, after[setting_id],
                                                                          before.get(setting_id)):
            new[setting_id] = MASK_CHANGED
    return {'before': old, 'after': new}


def describe_changes(before, after, options=None):
    """One line per setting in ``after``, in the admin UI's order, values fit to show (``mask``):
    ``set connection.host (LDAP_Host): "old" -> "new"`` (the id alone when no option name is known)."""
    options = options or {}
    shown = diff(before, after)
    lines = []
    for setting_id in shown['after']:
        option = options.get(setting_id, setting_id)
        name = setting_id if option == setting_id else '%s (%s)' % (option, setting_id)
        lines.append('set %s: %s -> %s' % (name, _text(shown['before'][setting_id]), _text(shown['after'][setting_id])))
    return lines


def split_list(value):
    """``"cn, ou"`` -> ``["cn", "ou"]``: a setting holding a comma list (the server splits it the same way)."""
    return [part.strip() for part in (value or '').split(',') if part.strip()]


def _text(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# ----------------------------------------------------------------- ldap_settings' options <-> setting ids

def _routed(setting_id, server_type):
    return AD_TWINS[setting_id] if setting_id in AD_TWINS and server_type == 'ad' else setting_id


def settings_from_options(params, current_server_type):
    """``({id: value}, {id: option name})`` of the typed options given (None = not managed).

    ``search_field``, ``username_field``, ``email_field`` and ``name_field`` go to the ``LDAP_AD_*``
    twin when the server type (``server_type`` if given, else ``current_server_type``, the value
    of ``LDAP_Server_Type`` on the server) is ``ad``, as the server reads them.
    """
    server_type = SERVER_TYPE_CHOICES[params['server_type']] if params.get('server_type') else current_server_type
    desired, names = {}, {}
    for section, option, setting_id in LDAP_SETTINGS_OPTIONS:
        container = params if section is None else (params.get(section) or {})
        value = container.get(option)
        if value is None:
            continue
        if setting_id == 'LDAP_Server_Type':
            value = SERVER_TYPE_CHOICES[value]
        setting_id = _routed(setting_id, server_type)
        desired[setting_id] = value
        names[setting_id] = option_name(section, option)
    return desired, names


def merge_raw_settings(desired, names, raw_settings, coerce_values=False):
    """Add a module's raw ``settings`` map to ``desired``/``names`` (from ``settings_from_options``), in place.

    Each id is given once, by an option or by the map. Passwords are refused: the map is not kept
    out of logs, and Ansible logs module arguments before the module could hide them. With ``coerce_values``
    each value becomes its native type now (``coerce``; unknown ids refused), for callers that do
    not hand the result to ``_settings_api.SettingsApi.plan``, which does that itself and lists every
    problem at once. Returns ``(desired, names)``.
    """
    for setting_id, value in (raw_settings or {}).items():
        option = 'settings.%s' % setting_id
        if is_secret(setting_id):
            raise ModuleFailure('%s: give the password with authentication.bind_password, which Ansible keeps out '
                                'of logs; the raw settings map is not secret' % option, invalid=[option])
        if setting_id in desired:
            raise ModuleFailure('%s: already set by the option %s; give it once' % (option, names[setting_id]),
                                invalid=[option])
        if coerce_values:
            if setting_id not in SETTINGS:
                raise ModuleFailure('%s: unknown LDAP setting id %s' % (option, setting_id), invalid=[option])
            value = coerce(setting_id, value, option)
        desired[setting_id] = value
        names[setting_id] = option
    return desired, names


def checked_settings(params, current_server_type, prefix=''):
    """``({id: native value}, {id: option name})`` of ldap_settings' typed options and raw ``settings`` map in
    ``params``, each value coerced and validated now (``coerce``): for callers that use the settings without
    writing them (``ldap_check``, a mapping module's ``ldap_settings`` option). Errors name the option with
    ``prefix`` before it (``'ldap_settings.'``)."""
    desired, names = settings_from_options(params, current_server_type)
    for setting_id in list(desired):
        desired[setting_id] = coerce(setting_id, desired[setting_id], prefix + names[setting_id])
    try:
        merge_raw_settings(desired, names, params.get('settings'), coerce_values=True)
    except ModuleFailure as exc:
        if not prefix:
            raise
        extra = dict(exc.extra)
        extra['invalid'] = [prefix + option for option in extra.get('invalid') or ['settings']]
        raise ModuleFailure(prefix + exc.msg, **extra)
    return desired, names


def options_from_settings(values, include_secrets=False):
    """The inverse of ``settings_from_options``: ldap_settings' options for ``{id: value}`` (an export).

    JSON-valued settings become mappings; secrets are left out unless ``include_secrets``;
    unreadable (masked) values are left out.
    """
    server_type = values.get('LDAP_Server_Type', SETTINGS['LDAP_Server_Type'].default)
    export = {}
    for section, option, setting_id in LDAP_SETTINGS_OPTIONS:
        setting_id = _routed(setting_id, server_type)
        value = values.get(setting_id, UNREADABLE)
        if value is UNREADABLE or (is_secret(setting_id) and not include_secrets):
            continue
        if setting_id == 'LDAP_Server_Type':
            value = 'ad' if value == 'ad' else 'other'
        elif SETTINGS[setting_id].type == 'code' and isinstance(value, str):
            value = _json_object_or_text(value)
        (export if section is None else export.setdefault(section, {}))[option] = value
    return export


def _json_object_or_text(text):
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return parsed if isinstance(parsed, dict) else text
