"""Bad input, table-driven (issue 13): every module and the role refuse it with a message that names the
option at fault and what it accepts (or what to give instead), and nothing is written.

Promise of each case: the task fails; its ``msg`` holds every text of the case's ``expect`` (the option
and the accepted values or the remedy); the sandbox's request log shows 0 writes between this case and
the next. The cases run in a few ansible-playbook runs (one per connection set-up); a marker request
(``GET /api/info?case=<id>``, sent by a lookup on the controller) before each case cuts the request log
into per-case slices.
"""

import collections
import json
import pathlib
import tempfile
import urllib.parse

import pytest
import requests
import yaml

from tests.integration.helpers import (ACTION_GROUP, _ansible_playbook, connection_vars, ensure_collection_tree,
                                       run_playbook)

SETTINGS = 'chatops.rocketchat.ldap_settings'
INFO = 'chatops.rocketchat.ldap_settings_info'
ROLES = 'chatops.rocketchat.ldap_role_mapping'
CHANNELS = 'chatops.rocketchat.ldap_channel_mapping'
TEAMS = 'chatops.rocketchat.ldap_team_mapping'
CHECK = 'chatops.rocketchat.ldap_check'
SYNC = 'chatops.rocketchat.ldap_sync'
TEST_CONNECTION = 'chatops.rocketchat.ldap_test_connection'
TEST_SEARCH = 'chatops.rocketchat.ldap_test_search'
SESSION = 'chatops.rocketchat.session'
WORKSPACE = 'chatops.rocketchat.ldap_workspace'

Case = collections.namedtuple('Case', 'id module args expect')

CA_LIKE = '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----'
HUGE_MAP = [{'group': 'group-%04d' % number, 'roles': ['user']} for number in range(1500)] + [
    {'group': 'everyone*', 'roles': ['admin']}]

# Connection given by module_defaults (the sandbox admin's bypass PAT).
CASES = [
    # ldap_settings: types, ranges, choices
    Case('settings-port-high', SETTINGS, {'connection': {'port': 70000}}, ['connection.port', '1 to 65535']),
    Case('settings-port-negative', SETTINGS, {'connection': {'port': -1}}, ['connection.port', '1 to 65535']),
    Case('settings-port-text', SETTINGS, {'connection': {'port': 'ldaps'}}, ['port', 'int']),
    Case('settings-host-url', SETTINGS, {'connection': {'host': 'ldaps://ldap.example.org:636'}},
         ['connection.host', 'is a URL', 'host name or IP address']),
    Case('settings-host-huge', SETTINGS, {'connection': {'host': 'h' * 100000}},
         ['connection.host', 'at most 253', 'host name or IP address']),
    Case('settings-host-space', SETTINGS, {'connection': {'host': 'ldap example.org'}},
         ['connection.host', 'host name or IP address']),
    Case('settings-host-line-separator', SETTINGS, {'connection': {'host': 'ldap\u2028example.org'}},
         ['connection.host', 'host name or IP address']),
    Case('settings-encryption', SETTINGS, {'connection': {'encryption': 'starttls'}},
         ['encryption', 'plain, tls, ssl']),
    Case('settings-timeout-negative', SETTINGS, {'connection': {'timeout': -5}},
         ['connection.timeout', '0 (no limit) or a positive integer']),
    Case('settings-connect-timeout-negative', SETTINGS, {'connection': {'connect_timeout': -1}},
         ['connection.connect_timeout', 'positive integer']),
    Case('settings-idle-timeout-text', SETTINGS, {'connection': {'idle_timeout': 'forever'}},
         ['idle_timeout', 'int']),
    Case('settings-ca-not-pem', SETTINGS, {'connection': {'ca_cert': 'MIIB...'}},
         ['connection.ca_cert', 'BEGIN CERTIFICATE']),
    Case('settings-ca-not-base64', SETTINGS, {'connection': {'ca_cert': CA_LIKE}},
         ['connection.ca_cert', 'BEGIN CERTIFICATE']),
    Case('settings-reject-unauthorized-text', SETTINGS, {'connection': {'reject_unauthorized': 'perhaps'}},
         ['reject_unauthorized', 'boolean']),
    Case('settings-bind-dn', SETTINGS, {'authentication': {'bind_dn': 'just a name'}},
         ['authentication.bind_dn', 'distinguished name']),
    Case('settings-bind-dn-control', SETTINGS, {'authentication': {'bind_dn': 'cn=svc\x07,dc=example,dc=org'}},
         ['authentication.bind_dn', 'distinguished name']),
    Case('settings-base-dn-bel', SETTINGS, {'user_search': {'base_dn': 'dc=ex\x07ample,dc=org'}},
         ['user_search.base_dn', 'control character', 'distinguished name']),
    Case('settings-base-dn-empty-rdn', SETTINGS, {'user_search': {'base_dn': 'ou=people,,dc=org'}},
         ['user_search.base_dn', 'distinguished name']),
    Case('settings-base-dn-bad-escape', SETTINGS, {'user_search': {'base_dn': 'cn=a\\q,dc=org'}},
         ['user_search.base_dn', 'distinguished name']),
    Case('settings-filter-unclosed', SETTINGS, {'user_search': {'filter': '(objectClass=person'}},
         ['user_search.filter', 'LDAP filter']),
    Case('settings-filter-extra-paren', SETTINGS, {'user_search': {'filter': '(uid=a))'}},
         ['user_search.filter', 'LDAP filter']),
    Case('settings-filter-empty-value', SETTINGS, {'user_search': {'filter': '(cn=)'}},
         ['user_search.filter', 'cn=*', 'LDAP filter']),
    Case('settings-filter-nul', SETTINGS, {'user_search': {'filter': '(uid=a\x00b)'}},
         ['user_search.filter', 'LDAP filter']),
    Case('settings-scope', SETTINGS, {'user_search': {'scope': 'everything'}}, ['scope', 'sub']),
    Case('settings-page-size-negative', SETTINGS, {'user_search': {'page_size': -1}},
         ['user_search.page_size', 'positive integer']),
    Case('settings-size-limit-negative', SETTINGS, {'user_search': {'size_limit': -5}},
         ['user_search.size_limit', 'positive integer']),
    Case('settings-page-size-text', SETTINGS, {'user_search': {'page_size': 'many'}}, ['page_size', 'int']),
    Case('settings-interval-words', SETTINGS, {'background_sync': {'interval': 'every day'}},
         ['background_sync.interval', 'every_24_hours', 'cron expression']),
    Case('settings-interval-minute-range', SETTINGS, {'background_sync': {'interval': '61 * * * *'}},
         ['background_sync.interval', 'out of range', 'cron expression']),
    Case('settings-avatars-interval-fields', SETTINGS, {'background_sync': {'avatars_interval': '* * *'}},
         ['background_sync.avatars_interval', 'cron expression']),
    Case('settings-custom-fields-json', SETTINGS, {'custom_fields': {'map': '{not json'}},
         ['custom_fields.map', 'JSON']),
    Case('settings-unknown-suboption', SETTINGS, {'connection': {'hostname': 'ldap.example.org'}},
         ['hostname', 'Supported parameters include']),
    Case('settings-unknown-option', SETTINGS, {'colour': 'blue'}, ['colour', 'Supported parameters include']),
    Case('settings-bind-password-update', SETTINGS, {'bind_password_update': 'sometimes'},
         ['bind_password_update', 'always, on_create']),
    Case('settings-reset-unspecified-text', SETTINGS, {'reset_unspecified': 'sometimes'},
         ['reset_unspecified', 'boolean']),
    # ldap_settings: the raw settings map
    Case('settings-raw-unknown-id', SETTINGS, {'settings': {'LDAP_Nope': 1}},
         ['settings.LDAP_Nope', 'unknown LDAP setting id']),
    Case('settings-raw-port-range', SETTINGS, {'settings': {'LDAP_Port': 0}}, ['settings.LDAP_Port', '1 to 65535']),
    Case('settings-raw-port-type', SETTINGS, {'settings': {'LDAP_Port': 'eighty'}}, ['settings.LDAP_Port', 'int']),
    Case('settings-raw-bool-type', SETTINGS, {'settings': {'LDAP_Enable': 'yes please'}},
         ['settings.LDAP_Enable', 'bool']),
    Case('settings-raw-password', SETTINGS, {'settings': {'LDAP_Authentication_Password': 'bad-input-secret'}},
         ['settings.LDAP_Authentication_Password', 'authentication.bind_password']),
    Case('settings-raw-other-owner', SETTINGS, {'settings': {'LDAP_Sync_User_Data_RolesMap': '{}'}},
         ['LDAP_Sync_User_Data_RolesMap', 'ldap_role_mapping']),
    Case('settings-raw-not-ldap', SETTINGS, {'settings': {'Site_Name': 'x'}}, ['settings.Site_Name']),
    Case('settings-raw-filter', SETTINGS, {'settings': {'LDAP_User_Search_Filter': '(&(uid=a)'}},
         ['settings.LDAP_User_Search_Filter', 'LDAP filter']),
    Case('settings-raw-dn-unicode-control', SETTINGS, {'settings': {'LDAP_BaseDN': 'ou=Stra\u00dfe\x1b,dc=org'}},
         ['settings.LDAP_BaseDN', 'distinguished name']),
    Case('settings-raw-key-value-text', SETTINGS, {'settings': 'LDAP_Port=70000'}, ['settings.LDAP_Port', '1 to 65535']),
    # ldap_role_mapping
    Case('roles-star-group', ROLES, {'mappings': [{'group': '*', 'roles': ['admin']}]},
         ['mappings[0].group', "accepted: a group's name"]),
    Case('roles-nul-group', ROLES, {'mappings': [{'group': 'admins\x00', 'roles': ['admin']}]},
         ['mappings[0].group', "accepted: a group's name"]),
    Case('roles-huge-map-one-star', ROLES, {'mappings': HUGE_MAP},
         ['mappings[1500].group', "accepted: a group's name"]),
    Case('roles-unknown-role', ROLES, {'mappings': [{'group': 'admins', 'roles': ['no-such-role']}]},
         ['unknown roles', 'no-such-role', 'Known roles: admin']),
    Case('roles-group-missing', ROLES, {'mappings': [{'roles': ['admin']}]}, ['group', 'mappings', 'missing']),
    Case('roles-unknown-key', ROLES, {'mappings': [{'group': 'g', 'role': ['admin']}]},
         ['role', 'Supported parameters include']),
    Case('roles-filter', ROLES, {'filter': '(&(cn=#{groupName})(member=#{userdn})'}, ['filter', 'LDAP filter']),
    Case('roles-base-dn', ROLES, {'base_dn': 'groups'}, ['base_dn', 'distinguished name']),
    Case('roles-strategy', ROLES, {'validation_strategy': 'sometimes'}, ['validation_strategy', 'each_group']),
    Case('roles-state', ROLES, {'state': 'gone', 'mappings': [{'group': 'g', 'roles': ['admin']}]},
         ['state', 'present, absent']),
    Case('roles-enabled-text', ROLES, {'enabled': 'on weekdays'}, ['enabled', 'boolean']),
    Case('roles-mappings-not-list', ROLES, {'mappings': {'group': 'g'}}, ['mappings', 'list']),
    # ldap_channel_mapping
    Case('channels-star-group', CHANNELS, {'mappings': [{'group': 'dev*', 'channels': ['general']}]},
         ['mappings[0].group', "accepted: a group's name"]),
    Case('channels-strategy', CHANNELS, {'validation_strategy': 'never'}, ['validation_strategy', 'each_group']),
    Case('channels-filter', CHANNELS, {'filter': 'cn=#{groupName})'}, ['filter', 'LDAP filter']),
    Case('channels-auto-remove-text', CHANNELS, {'auto_remove': 'perhaps'}, ['auto_remove', 'boolean']),
    Case('channels-unknown-option', CHANNELS, {'channel': 'general'}, ['channel', 'Supported parameters include']),
    # ldap_team_mapping
    Case('teams-empty-teams', TEAMS, {'mappings': [{'group': 'dev', 'teams': []}]},
         ['mappings[0].teams', 'state=absent']),
    Case('teams-query', TEAMS, {'query': '(&(member=#{userdn})'}, ['query', 'LDAP filter']),
    Case('teams-base-dn', TEAMS, {'base_dn': 'ou=teams,dc=ex\x00ample'}, ['base_dn', 'distinguished name']),
    Case('teams-state', TEAMS, {'state': 'missing'}, ['state', 'present, absent']),
    # ldap_check
    Case('check-raw-port', CHECK, {'settings': {'LDAP_Port': 70000}}, ['settings.LDAP_Port', '1 to 65535']),
    Case('check-raw-filter', CHECK, {'settings': {'LDAP_User_Search_Filter': '(uid='}},
         ['settings.LDAP_User_Search_Filter', 'LDAP filter']),
    Case('check-raw-password', CHECK, {'settings': {'LDAP_Authentication_Password': 'bad-input-secret'}},
         ['settings.LDAP_Authentication_Password', 'bind_password']),
    Case('check-typed-port', CHECK, {'connection': {'host': 'localhost', 'port': 70000}},
         ['connection.port', '1 to 65535']),
    Case('check-typed-host-url', CHECK, {'connection': {'host': 'ldaps://ldap.example.org:636'}},
         ['connection.host', 'is a URL', 'host name or IP address']),
    Case('check-typed-ca', CHECK, {'connection': {'host': 'localhost', 'encryption': 'ssl', 'ca_cert': 'garbage'}},
         ['connection.ca_cert', 'BEGIN CERTIFICATE']),
    Case('check-fail-on', CHECK, {'fail_on': 'sometimes'}, ['fail_on', 'fail, warn, never']),
    Case('check-source', CHECK, {'source': 'elsewhere'}, ['source', 'options, workspace']),
    Case('check-user-without-name', CHECK, {'users': [{'password': 'x-pass'}]}, ['username', 'users', 'missing']),
    Case('check-role-map-star', CHECK, {'role_mapping': {'mappings': [{'group': '*', 'roles': ['admin']}]}},
         ['mappings[0].group', "a group's name"]),
    # ldap_sync
    Case('sync-timeout-zero', SYNC, {'sync_timeout': 0}, ['sync_timeout', 'positive number of seconds']),
    Case('sync-timeout-negative', SYNC, {'sync_timeout': -1}, ['sync_timeout', 'positive number of seconds']),
    Case('sync-timeout-text', SYNC, {'sync_timeout': 'long'}, ['sync_timeout', 'int']),
    Case('sync-report-text', SYNC, {'report': 'maybe'}, ['report', 'boolean']),
    Case('sync-ensure-text', SYNC, {'ensure_background_sync': 'x'}, ['ensure_background_sync', 'boolean']),
    # ldap_settings_info
    Case('info-only-non-default-text', INFO, {'only_non_default': 'maybe'}, ['only_non_default', 'boolean']),
    Case('info-include-secrets-text', INFO, {'include_secrets': 'please'}, ['include_secrets', 'boolean']),
    Case('info-unknown-option', INFO, {'filter': 'LDAP_*'}, ['filter', 'Supported parameters include']),
    # ldap_test_connection, ldap_test_search
    Case('test-connection-option', TEST_CONNECTION, {'host': 'ldap.example.org'},
         ['host', 'Supported parameters include']),
    Case('test-search-empty', TEST_SEARCH, {'users': []}, ['users, usernames', 'at least one user']),
    Case('test-search-neither', TEST_SEARCH, {}, ['users, usernames']),
    Case('test-search-expect', TEST_SEARCH, {'users': [{'username': 'alice', 'expect': 'maybe'}]},
         ['expect', 'found, not_found']),
    Case('test-search-no-username', TEST_SEARCH, {'users': [{'expect': 'found'}]}, ['username', 'missing']),
    # session
    Case('session-state', SESSION, {'state': 'gone'}, ['state', 'present, absent']),
    # ldap_workspace: each section checked as its module checks it, named by the section
    Case('workspace-settings-encryption', WORKSPACE, {'ldap_settings': {'connection': {'encryption': 'starttls'}}},
         ['ldap_settings', 'encryption', 'plain, tls, ssl']),
    Case('workspace-settings-port', WORKSPACE, {'ldap_settings': {'connection': {'port': 70000}}},
         ['ldap_settings', 'connection.port', '1 to 65535']),
    Case('workspace-settings-unknown-key', WORKSPACE, {'ldap_settings': {'conection': {'port': 389}}},
         ['ldap_settings', 'conection', 'Unsupported parameters']),
    Case('workspace-role-map-star', WORKSPACE, {'role_mapping': {'mappings': [{'group': '*', 'roles': ['admin']}]}},
         ['role_mapping', 'mappings[0].group', "a group's name"]),
    Case('workspace-role-unknown-role', WORKSPACE,
         {'ldap_settings': {'connection': {'port': 636}},
          'role_mapping': {'mappings': [{'group': 'staff', 'roles': ['no-such-role']}]}},
         ['role_mapping', 'mappings[0].roles', 'unknown roles', 'nothing was written']),
    Case('workspace-channel-option-of-another-map', WORKSPACE, {'channel_mapping': {'query': '(cn=x)'}},
         ['channel_mapping', 'query', 'Unsupported parameters']),
    Case('workspace-team-state', WORKSPACE, {'team_mapping': {'state': 'missing'}},
         ['team_mapping', 'state', 'present, absent']),
    Case('workspace-canary-expect', WORKSPACE, {'canary_users': [{'username': 'alice', 'expect': 'maybe'}]},
         ['expect', 'found, not_found']),
    Case('workspace-section-not-dict', WORKSPACE, {'role_mapping': 'admins'}, ['role_mapping', 'dict']),
    # connection options (any module)
    Case('connection-timeout-zero', INFO, {'timeout': 0}, ['timeout', 'positive number of seconds']),
    Case('connection-timeout-text', TEST_CONNECTION, {'timeout': 'slow'}, ['timeout', 'int']),
    Case('connection-max-retry-wait', SESSION, {'max_retry_wait': -1}, ['max_retry_wait', '0 (no retries)']),
    Case('connection-validate-certs-text', INFO, {'validate_certs': 'maybe'}, ['validate_certs', 'boolean']),
    Case('connection-url-credentials', SETTINGS, {'api_url': 'https://admin:url-secret-pw@chat.example.org',
                                                  'connection': {'host': 'ldap.example.org'}},
         ['api_url', 'holds credentials', 'api_username']),
    Case('connection-url-no-scheme', INFO, {'api_url': 'chat.example.org'}, ['api_url', 'chat.example.org']),
    Case('connection-url-ftp', INFO, {'api_url': 'ftp://chat.example.org'}, ['api_url', 'ftp://chat.example.org']),
    Case('connection-ca-path-missing', INFO, {'api_url': 'https://chat.example.org', 'ca_path': '/nonexistent/ca.pem'},
         ['ca_path /nonexistent/ca.pem does not exist', 'PEM file']),
    Case('connection-user-and-username', INFO, {'api_username': 'admin', 'api_password': 'x-pass'},
         ['api_user_id', 'api_username', 'mutually exclusive']),
    Case('connection-totp-secret-and-code', INFO, {'api_totp_secret': 'JBSWY3DPEHPK3PXP', 'api_totp_code': '123456'},
         ['api_totp_secret', 'api_totp_code', 'mutually exclusive']),
]

# Credentials and reachability: each case gives its whole connection (no module_defaults); '{x}' is
# filled from the world (the sandbox URL, the admin's ids, an expired token).
CREDENTIAL_CASES = [
    Case('credentials-wrong-token', INFO, {'api_url': '{url}', 'api_user_id': '{admin_user_id}',
                                           'api_token': 'not-the-token-0123456789'},
         ['api_user_id/api_token', 'wrong, expired or revoked']),
    Case('credentials-expired-token', SETTINGS, {'api_url': '{url}', 'api_user_id': '{admin_user_id}',
                                                 'api_token': '{expired_token}',
                                                 'connection': {'host': 'ldap.example.org'}},
         ['api_user_id/api_token', 'wrong, expired or revoked']),
    Case('credentials-token-of-another-user', INFO, {'api_url': '{url}', 'api_user_id': '{user_user_id}',
                                                     'api_token': '{admin_token}'},
         ['api_user_id/api_token', 'not the token of that user id']),
    Case('credentials-wrong-password', SETTINGS, {'api_url': '{url}', 'api_username': '{admin_username}',
                                                  'api_password': 'not-the-password',
                                                  'connection': {'host': 'ldap.example.org'}},
         ['api_username/api_password', 'refused the login']),
    Case('credentials-unknown-user', INFO, {'api_url': '{url}', 'api_username': 'nobody-here',
                                            'api_password': 'whatever-pass'},
         ['api_username/api_password', "'nobody-here'"]),
    Case('credentials-unreachable', INFO, {'api_url': 'http://127.0.0.1:9', 'api_user_id': 'some-id',
                                           'api_token': 'some-token',
                                           'max_retry_wait': 0},
         ['cannot connect to api_url http://127.0.0.1:9', 'max_retry_wait=0']),
    Case('credentials-unresolvable', INFO, {'api_url': 'https://chat.invalid', 'api_user_id': 'some-id',
                                            'api_token': 'some-token', 'max_retry_wait': 0},
         ['cannot connect to api_url https://chat.invalid']),
    Case('credentials-2fa-token-alone', SETTINGS, {'api_url': '{url}', 'api_user_id': '{admin_user_id}',
                                                   'api_token': '{login_token}',
                                                   'connection': {'host': 'ldap.example.org'}},
         ['api_password alongside', 'bypassTwoFactor']),
    Case('credentials-no-credential', INFO, {'api_url': '{url}'}, ['api_token', 'api_username']),
    Case('credentials-token-without-id', INFO, {'api_url': '{url}', 'api_token': '{admin_token}'},
         ['api_user_id', 'api_token', 'together']),
    Case('credentials-username-without-password', INFO, {'api_url': '{url}', 'api_username': '{admin_username}'},
         ['api_username', 'api_password']),
]

# With the admin's TOTP enabled: a login that cannot answer it, and a seed that is not base32.
TOTP_CASES = [
    Case('totp-not-given', SETTINGS, {'api_url': '{url}', 'api_username': '{admin_username}',
                                      'api_password': '{admin_password}', 'connection': {'host': 'ldap.example.org'}},
         ['api_totp_secret', 'api_totp_code', 'bypassTwoFactor']),
    Case('totp-seed-not-base32', SETTINGS, {'api_url': '{url}', 'api_username': '{admin_username}',
                                            'api_password': '{admin_password}', 'api_totp_secret': 'not base32 !',
                                            'connection': {'host': 'ldap.example.org'}},
         ['api_totp_secret']),
]

# The role (include_role with these vars, over the sandbox admin's PAT): a failure naming the variable
# or option at fault, 0 writes.
ROLE_CASES = [
    Case('role-settings-port', 'role', {'ldap_settings': {'connection': {'port': 70000}}},
         ['connection.port', '1 to 65535']),
    Case('role-settings-unknown-id', 'role', {'ldap_settings': {'settings': {'LDAP_Nope': True}}},
         ['settings.LDAP_Nope', 'unknown LDAP setting id']),
    Case('role-role-map-star', 'role', {'ldap_role_mapping': {'mappings': [{'group': '*', 'roles': ['admin']}]}},
         ['mappings[0].group', "a group's name"]),
    Case('role-team-map-empty', 'role', {'ldap_team_mapping': {'mappings': [{'group': 'dev', 'teams': []}]}},
         ['mappings[0].teams', 'state=absent']),
    Case('role-sync-mode', 'role', {'ldap_sync_mode': 'sometimes'}, ['ldap_sync_mode', 'on_change, always, never']),
    Case('role-fail-on', 'role', {'ldap_preflight_fail_on': 'loudly'}, ['ldap_preflight_fail_on', 'fail, warn, never']),
    Case('role-password-update', 'role', {'ldap_settings_bind_password_update': 'daily'},
         ['ldap_settings_bind_password_update', 'always, on_create']),
    Case('role-settings-not-dict', 'role', {'ldap_settings': ['connection']}, ['ldap_settings', 'dict']),
    Case('role-timeout', 'role', {'ldap_timeout': 0}, ['timeout', 'positive number of seconds']),
    # a key no module has: refused, naming it (by the role's argument spec; a map's by the module, below)
    Case('role-settings-misspelt-key', 'role', {'ldap_settings': {'user_serach': {'base_dn': 'dc=example'}}},
         ['ldap_settings.user_serach', 'Supported parameters include']),
    # an option of another map: refused by the role's argument spec, which declares each map's own options
    Case('role-role-map-channel-option', 'role', {'ldap_role_mapping': {'admin_user': 'rocket.cat'}},
         ['ldap_role_mapping', 'admin_user', 'Supported parameters include']),
]

ALL_CASES = CASES + CREDENTIAL_CASES + TOTP_CASES + ROLE_CASES
assert len(set(case.id for case in ALL_CASES)) == len(ALL_CASES)


def _marker(case_id):
    """A debug task whose lookup sends GET /api/info?case=<id> from the controller (no module run)."""
    return {'ansible.builtin.debug': {'msg': "{{ lookup('ansible.builtin.url', marker_url ~ '%s') | length }}"
                                             % case_id}}


def _fill(value, world):
    if isinstance(value, dict):
        return dict((key, _fill(item, world)) for key, item in value.items())
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    if isinstance(value, str) and value.startswith('{') and value.endswith('}') and value[1:-1] in world:
        return world[value[1:-1]]
    return value


def _writes_per_case(log, case_ids):
    """{case id: number of writes logged after its marker and before the next one}."""
    counts = dict((case_id, 0) for case_id in case_ids)
    current = None
    before_any_case = []
    for entry in log:
        query = urllib.parse.parse_qs(entry.get('query') or '') if entry['path'] == '/api/info' else {}
        case = (query.get('case') or [None])[0]
        if case in counts:
            current = case
        elif entry['wrote']:
            if current is None:
                before_any_case.append(entry)
            else:
                counts[current] += 1
    assert not before_any_case, before_any_case
    return counts


def _run_module_cases(sandbox, cases, module_defaults, world):
    tasks = []
    for case in cases:
        tasks.append(_marker(case.id))
        tasks.append({case.module: _fill(case.args, world)})
    sandbox.clear_requests()
    run = run_playbook(tasks, module_defaults=module_defaults, play_vars={'marker_url': world['marker_url']})
    results = run.results[1::2]
    writes = _writes_per_case(sandbox.requests(), [case.id for case in cases])
    return dict((case.id, (result, writes[case.id])) for case, result in zip(cases, results))


def _run_role_cases(sandbox, cases, world, workdir):
    """Each case: include the role in a block; its rescue records the failure the play would have shown."""
    tasks = []
    for index, case in enumerate(cases):
        tasks.append(_marker(case.id))
        tasks.append({'name': case.id, 'block': [
            {'ansible.builtin.include_role': {'name': 'chatops.rocketchat.ldap'}, 'vars': case.args},
            {'ansible.builtin.set_fact': {'outcome_%d' % index: {'failed': False}}},
        ], 'rescue': [
            {'ansible.builtin.set_fact': {'outcome_%d' % index: {
                'failed': True, 'msg': '{{ ansible_failed_result.msg | default("") }}'}}},
        ]})
    results_path = pathlib.Path(workdir) / 'role-results.json'
    record = '{{ {%s} | to_json }}' % ', '.join("'%d': outcome_%d" % (i, i) for i in range(len(cases)))
    tasks.append({'ansible.builtin.copy': {'content': record, 'dest': str(results_path), 'mode': '0600'}})
    play = {'name': 'role bad input', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks,
            'vars': dict(marker_url=world['marker_url'], ldap_api_url=sandbox.url,
                         ldap_api_user_id=sandbox.env['admin_user_id'], ldap_api_token=sandbox.env['admin_token'],
                         ldap_report_path=str(pathlib.Path(workdir) / 'report.md'))}
    playbook = pathlib.Path(workdir) / 'role.yml'
    playbook.write_text(yaml.safe_dump([play], sort_keys=False), encoding='utf-8')
    ensure_collection_tree()
    sandbox.clear_requests()
    completed = _ansible_playbook(['-i', 'localhost,', '-c', 'local', str(playbook)], workdir)
    assert results_path.exists(), completed.stdout + completed.stderr
    outcomes = json.loads(results_path.read_text(encoding='utf-8'))
    writes = _writes_per_case(sandbox.requests(), [case.id for case in cases])
    return dict((case.id, (outcomes[str(i)], writes[case.id])) for i, case in enumerate(cases))


def _session_token(sandbox):
    reply = requests.post(sandbox.url + '/api/v1/login', timeout=30, json={
        'user': sandbox.env['admin_username'], 'password': sandbox.env['admin_password']})
    data = reply.json()['data']
    return data['authToken']


@pytest.fixture(scope='module')
def outcomes(sandbox):
    """{case id: (registered result, writes after its marker)} for every case, from four playbook runs."""
    sandbox.reset(startup=True)
    env = sandbox.env
    expired = _session_token(sandbox)
    requests.post(sandbox.url + '/api/v1/logout', timeout=30,
                  headers={'X-User-Id': env['admin_user_id'], 'X-Auth-Token': expired})
    world = dict(env, url=sandbox.url, expired_token=expired, login_token=_session_token(sandbox),
                 marker_url=sandbox.url + '/api/info?case=')
    found = {}
    found.update(_run_module_cases(sandbox, CASES, connection_vars(sandbox), world))
    found.update(_run_module_cases(sandbox, CREDENTIAL_CASES, None, world))
    with tempfile.TemporaryDirectory(prefix='rc-bad-input-') as workdir:
        found.update(_run_role_cases(sandbox, ROLE_CASES, world, workdir))
    sandbox.config(two_factor='totp')
    try:
        found.update(_run_module_cases(sandbox, TOTP_CASES, None, world))
    finally:
        sandbox.reset(startup=True)
    return found


def test_the_table_is_as_wide_as_the_issue_asks():
    modules = set(case.module for case in ALL_CASES)
    assert len(ALL_CASES) >= 80
    assert modules == {SETTINGS, INFO, ROLES, CHANNELS, TEAMS, CHECK, SYNC, TEST_CONNECTION, TEST_SEARCH,
                       SESSION, WORKSPACE, 'role'}


@pytest.mark.parametrize('case', ALL_CASES, ids=[case.id for case in ALL_CASES])
def test_bad_input_fails_naming_the_option_and_writes_nothing(case, outcomes, promise):
    result, written = outcomes[case.id]
    message = result.get('msg') or ''
    missing = [text for text in case.expect if text not in message]
    promise.bad_input(clear=result.get('failed') is True and not missing, written=written)
    assert result.get('failed') is True, result
    assert not missing, 'the message lacks %r: %s' % (missing, message[:2000])
    assert written == 0


def test_settings_a_server_masks_are_named_never_used_as_values(sandbox_clean, promise):
    """Promise: where the server masks secret settings (the bind DN and password read as ""), a module that
    needs them says which ones it cannot read and which options to give instead; it never uses the mask
    (the directory was once bound as the DN "UNREADABLE", and ldap_check said the bind DN "is empty")."""
    sandbox = sandbox_clean
    for setting_id, value in sorted(sandbox.ldap_connection_settings().items()):
        requests.post('%s/api/v1/settings/%s' % (sandbox.url, setting_id), json={'value': value},
                      headers=sandbox.admin_headers, timeout=30).raise_for_status()
    sandbox.config(mask_secrets=True)
    sandbox.clear_requests()
    mapping, check = run_playbook([
        {ROLES: {'validate_groups': True, 'base_dn': 'ou=groups,dc=example,dc=org',
                 'filter': '(&(cn=#{groupName})(memberUid=#{username}))',
                 'mappings': [{'group': 'rocket-admin', 'roles': ['admin']}]}},
        {CHECK: {'source': 'workspace'}},
    ], module_defaults=connection_vars(sandbox)).results
    written = len([entry for entry in sandbox.requests() if entry['wrote']])
    expected = ['LDAP_Authentication_UserDN', 'LDAP_Authentication_Password', 'bind_dn', 'bind_password']
    clear = mapping.get('failed') is True and all(text in mapping['msg'] for text in expected)
    promise.bad_input(clear=clear, written=written)
    assert clear, mapping
    assert written == 0
    assert 'UNREADABLE' not in json.dumps([mapping, check]) and 'is empty' not in check['msg'], check
    assert all(text in check['msg'] for text in expected), check
