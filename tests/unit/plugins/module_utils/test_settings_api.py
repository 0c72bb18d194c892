"""SettingsApi and apply_settings against pinned HTTP: request counts, write paths, validation, masking."""
import json

import pytest
import requests
import responses

from ansible_collections.chatops.rocketchat.plugins.module_utils import _catalog as catalog
from ansible_collections.chatops.rocketchat.plugins.module_utils import _families as families
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import UNREADABLE
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import MASK
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import SettingsApi
from tests.unit.plugins.module_utils.certs_for_tests import colon_fingerprint, make_ca, pem
from tests.unit.plugins.module_utils.rc_http import URL, method_reply, sent_frame


def apply_settings(client, desired, owner, want_diff=False, warn=None, **plan_options):
    """One declarative run, as the modules do it: plan, then apply."""
    return SettingsApi(client).plan(desired, owner, **plan_options).apply(want_diff=want_diff, warn=warn)

SECRET = 'bind-s3cret-value'
SETTINGS_URL = URL + '/api/v1/settings'
METADATA_URL = URL + '/api/v1/method.call/private-settings:get'


class FakeServer:
    """The replies of a workspace whose LDAP settings hold their defaults, plus the given changes."""

    def __init__(self, http, version='8.8.1', licensed=True, values=None, blocked=(), env_owned=(), masked=()):
        self.http = http
        self.version = version
        self.licensed = licensed
        self.values = dict((s.id, s.default) for s in catalog.SETTINGS.values() if licensed or not s.enterprise)
        self.values.update(values or {})
        self.blocked = set(blocked)
        self.env_owned = set(env_owned)
        self.masked = set(masked)

    def list_reply(self):
        items = [{'_id': 'LDAP'}, {'_id': 'Language', 'value': 'en'}]
        for setting_id, value in sorted(self.values.items()):
            item = {'_id': setting_id, 'value': value}
            if setting_id in self.masked:
                item.update(value='', hasValue=bool(value))
            items.append(item)
        return {'settings': items, 'count': len(items), 'offset': 0, 'total': len(items), 'success': True}

    def expect_read(self, first=True):
        if first:
            self.http.get(URL + '/api/info', json={'version': self.version, 'info': {'version': self.version},
                                                   'success': True})
            modules = ['ldap-enterprise'] if self.licensed else []
            self.http.get(URL + '/api/v1/licenses.info', json={'license': {
                'activeModules': modules, 'hasValidLicense': self.licensed}, 'success': True})
        self.http.get(SETTINGS_URL, json=self.list_reply(), match=[responses.matchers.query_param_matcher({'count': '0'})])
        docs = [{'_id': i, 'type': catalog.SETTINGS[i].type, 'value': v, 'blocked': i in self.blocked,
                 'valueSource': 'processEnvValue' if i in self.env_owned else 'packageValue'}
                for i, v in self.values.items()]
        self.http.post(METADATA_URL, json=method_reply(result=docs))

    def expect_read_back(self, stored):
        after = dict(self.values, **stored)
        reply = FakeServer(self.http, values=after, masked=self.masked).list_reply()
        self.http.get(SETTINGS_URL, json=reply)


def test_read_costs_two_requests_and_keeps_only_ldap_settings(http, make_client):
    server = FakeServer(http, blocked=['LDAP_Host'], env_owned=['LDAP_Port'])
    server.expect_read()
    snapshot = SettingsApi(make_client()).read()
    assert set(snapshot.values) == set(catalog.SETTING_IDS)
    assert snapshot.blocked_ids() == ['LDAP_Host'] and snapshot.env_owned_ids() == ['LDAP_Port']
    assert snapshot.version == (8, 8, 1) and 'ldap-enterprise' in snapshot.licensed_modules
    assert len(http.calls) == 4  # info, licence, settings list, metadata


def test_list_is_paged_when_the_server_caps_count(http, make_client):
    # count=0 refused: the default page came; the rest is asked for at once (the server caps it)
    http.get(SETTINGS_URL, json={'settings': [{'_id': 'LDAP_Enable', 'value': True}], 'count': 1, 'offset': 0,
                                 'total': 2, 'success': True})
    http.get(SETTINGS_URL, json={'settings': [{'_id': 'LDAP_Host', 'value': 'h'}], 'count': 1, 'offset': 1,
                                 'total': 2, 'success': True},
             match=[responses.matchers.query_param_matcher({'count': '1', 'offset': '1'})])
    assert SettingsApi(make_client()).read_values() == {'LDAP_Enable': True, 'LDAP_Host': 'h'}


def test_masked_secret_reads_as_unreadable(http, make_client):
    server = FakeServer(http, values={'LDAP_Authentication_Password': SECRET}, masked=['LDAP_Authentication_Password'])
    server.expect_read()
    assert SettingsApi(make_client()).read().value('LDAP_Authentication_Password') is UNREADABLE


@pytest.mark.parametrize('version, bulk', [('8.6.0', True), ('8.8.1', True), ('8.5.1', False), ('7.10.0', False)])
def test_one_write_request_bulk_since_8_6_else_save_settings(http, make_client, version, bulk):
    server = FakeServer(http, version=version)
    server.expect_read()
    changes = {'LDAP_Host': 'ldap.example.org', 'LDAP_Port': 636, 'LDAP_Enable': True}
    items = [{'_id': i, 'value': v} for i, v in sorted(changes.items())]
    if bulk:
        http.post(SETTINGS_URL, json={'success': True},
                  match=[responses.matchers.json_params_matcher({'settings': items})])
    else:
        http.post(URL + '/api/v1/method.call/saveSettings', json=method_reply(result=True))
    server.expect_read_back(changes)
    result = apply_settings(make_client(), changes, 'ldap_settings')
    assert result['changed'] and result['changed_ids'] == ['LDAP_Enable', 'LDAP_Host', 'LDAP_Port']
    assert result['previous'] == {'LDAP_Enable': False, 'LDAP_Host': '', 'LDAP_Port': 389}
    if not bulk:
        assert sent_frame(http.calls[4])['params'] == [items]
    assert len(http.calls) == 6  # info, licence, list, metadata, write, read-back


def test_request_count_does_not_grow_with_the_number_of_settings(http, make_client):
    server = FakeServer(http)
    server.expect_read()
    changes = dict((i, 'x-' + i) for i in families.ids_owned_by('ldap_settings')
                   if catalog.SETTINGS[i].type == 'string' and catalog.VALIDATION.get(i) in (None, 'host'))
    assert len(changes) >= 20
    http.post(SETTINGS_URL, json={'success': True})
    server.expect_read_back(changes)
    apply_settings(make_client(), changes, 'ldap_settings')
    assert len(http.calls) == 6


def test_nothing_to_change_sends_no_write(http, make_client):
    server = FakeServer(http, values={'LDAP_Host': 'h', 'LDAP_CustomFieldMap': '{"a":"b"}'})
    server.expect_read()
    result = apply_settings(make_client(), {'LDAP_Host': 'h', 'LDAP_CustomFieldMap': {'a': 'b'}}, 'ldap_settings',
                            want_diff=True)
    assert not result['changed'] and result['diff'] == {'before': {}, 'after': {}}
    assert all(c.request.method == 'GET' or 'private-settings' in c.request.url for c in http.calls)


def test_check_mode_plans_and_diffs_without_any_write(http, make_client):
    server = FakeServer(http, values={'LDAP_Authentication_Password': 'old-' + SECRET})
    server.expect_read()
    result = apply_settings(make_client(check_mode=True), {'LDAP_Host': 'h', 'LDAP_Authentication_Password': SECRET},
                            'ldap_settings', want_diff=True)
    # The admin UI's order: the host (Connection) before the bind password (its Authentication section).
    assert result['changed'] and result['changed_ids'] == ['LDAP_Host', 'LDAP_Authentication_Password']
    assert result['diff']['after']['LDAP_Host'] == 'h'
    assert result['changes'] == ['set LDAP_Host: "" -> "h"',
                                 'set LDAP_Authentication_Password: "********" -> "******** (changed)"']
    assert result['previous']['LDAP_Authentication_Password'] == MASK
    assert SECRET not in json.dumps(result, default=str)
    assert len(http.calls) == 4


def test_read_back_names_the_ids_the_server_did_not_store(http, make_client):
    server = FakeServer(http)
    server.expect_read()
    http.post(SETTINGS_URL, json={'success': True})
    server.expect_read_back({'LDAP_Host': 'h'})  # LDAP_Port silently skipped
    with pytest.raises(ModuleFailure) as err:
        apply_settings(make_client(), {'LDAP_Host': 'h', 'LDAP_Port': 636}, 'ldap_settings')
    assert err.value.extra['not_stored'] == ['LDAP_Port'] and 'LDAP_Port' in err.value.msg


def test_all_input_problems_are_reported_together_before_any_write(http, make_client):
    server = FakeServer(http, licensed=False, blocked=['LDAP_BaseDN'])
    server.expect_read()
    desired = {'LDAP_Port': 'ldaps', 'LDAP_Background_Sync': True, 'LDAP_Sync_User_Data_RolesMap': '{}',
               'LDAP_Nonexistent': 1, 'LDAP_BaseDN': 'dc=x'}
    with pytest.raises(ModuleFailure) as err:
        apply_settings(make_client(), desired, 'ldap_settings', options={'LDAP_Port': 'connection.port'})
    problems = err.value.extra['problems']
    assert len(problems) == 5
    assert sorted(err.value.extra['invalid']) == sorted(['connection.port', 'LDAP_Background_Sync',
                                                         'LDAP_Sync_User_Data_RolesMap', 'LDAP_Nonexistent',
                                                         'LDAP_BaseDN'])
    text = err.value.msg
    assert 'connection.port: expected an integer' in text
    assert 'LDAP_Background_Sync is an Enterprise setting' in text
    assert 'belongs to the ldap_role_mapping module' in text
    assert 'unknown LDAP setting id LDAP_Nonexistent' in text
    assert 'LDAP_BaseDN is blocked' in text
    assert len(http.calls) == 4


def test_a_blocked_setting_already_at_the_wanted_value_is_fine(http, make_client):
    FakeServer(http, blocked=['LDAP_Host'], values={'LDAP_Host': 'h'}).expect_read()
    assert not apply_settings(make_client(), {'LDAP_Host': 'h'}, 'ldap_settings')['changed']


def test_setting_missing_on_this_version_is_refused(http, make_client):
    server = FakeServer(http, version='7.0.0')
    del server.values['LDAP_FederationHomeServer_Field']
    server.expect_read()
    with pytest.raises(ModuleFailure) as err:
        apply_settings(make_client(), {'LDAP_FederationHomeServer_Field': 'x'}, 'ldap_settings')
    assert '(Rocket.Chat 7.0.0) does not have the setting LDAP_FederationHomeServer_Field' in err.value.msg


def test_env_owned_setting_is_written_with_a_warning(http, make_client, recorder):
    server = FakeServer(http, env_owned=['LDAP_Host'])
    server.expect_read()
    http.post(SETTINGS_URL, json={'success': True})
    server.expect_read_back({'LDAP_Host': 'h'})
    apply_settings(make_client(), {'LDAP_Host': 'h'}, 'ldap_settings', warn=recorder.warn)
    assert any('OVERWRITE_SETTING_LDAP_Host' in w for w in recorder.warnings)


def test_reset_puts_unspecified_owned_settings_back_to_defaults(http, make_client, recorder):
    server = FakeServer(http, licensed=False, values={'LDAP_Host': 'h', 'LDAP_Port': 636, 'LDAP_BaseDN': 'dc=x'},
                        blocked=['LDAP_BaseDN'])
    server.expect_read()
    http.post(SETTINGS_URL, json={'success': True},
              match=[responses.matchers.json_params_matcher({'settings': [{'_id': 'LDAP_Port', 'value': 389}]})])
    server.expect_read_back({'LDAP_Port': 389})
    result = apply_settings(make_client(), {'LDAP_Host': 'h'}, 'ldap_settings', warn=recorder.warn,
                            reset=True)
    assert result['changed_ids'] == ['LDAP_Port']
    assert any('LDAP_BaseDN is blocked' in w for w in recorder.warnings)


@pytest.mark.parametrize('policy, writes', [('always', True), ('on_create', False)])
def test_masked_password_follows_the_update_policy(http, make_client, policy, writes):
    server = FakeServer(http, values={'LDAP_Authentication_Password': 'stored'},
                        masked=['LDAP_Authentication_Password'])
    server.expect_read()
    if writes:
        http.post(SETTINGS_URL, json={'success': True})
        server.expect_read_back({'LDAP_Authentication_Password': SECRET})
    result = apply_settings(make_client(), {'LDAP_Authentication_Password': SECRET}, 'ldap_settings',
                            secrets=policy, want_diff=True)
    assert result['changed'] is writes
    assert SECRET not in json.dumps(result, default=str)


def test_password_compared_when_the_server_discloses_it(http, make_client):
    FakeServer(http, values={'LDAP_Authentication_Password': SECRET}).expect_read()
    assert not apply_settings(make_client(), {'LDAP_Authentication_Password': SECRET}, 'ldap_settings')['changed']


def test_user_without_privileged_view_gets_a_clear_error(http, make_client):
    http.get(URL + '/api/info', json={'version': '8.8', 'success': True})
    http.get(URL + '/api/v1/licenses.info', json={'license': {'activeModules': []}, 'success': True})
    http.get(SETTINGS_URL, json={'settings': [{'_id': 'LDAP_Enable', 'value': False},
                                              {'_id': 'LDAP_Server_Type', 'value': 'ad'}], 'total': 2, 'success': True})
    http.post(METADATA_URL, json=method_reply(result=[]))
    with pytest.raises(ModuleFailure) as err:
        SettingsApi(make_client()).read()
    assert 'view-privileged-setting' in err.value.msg


@pytest.mark.parametrize('masked', [(), ('LDAP_Authentication_Password',)], ids=['disclosed', 'masked'])
def test_reset_never_touches_a_password_that_is_not_given(http, make_client, masked):
    server = FakeServer(http, values={'LDAP_Authentication_Password': SECRET, 'LDAP_Port': 636}, masked=masked)
    server.expect_read()
    http.post(SETTINGS_URL, json={'success': True},
              match=[responses.matchers.json_params_matcher({'settings': [{'_id': 'LDAP_Port', 'value': 389}]})])
    server.expect_read_back({'LDAP_Port': 389})
    result = apply_settings(make_client(), {}, 'ldap_settings', reset=True)
    assert result['changed_ids'] == ['LDAP_Port']


MASKED_NOT_PASSWORDS = ('LDAP_Authentication_UserDN', 'LDAP_CA_Cert')


def test_on_create_applies_only_to_passwords_other_masked_settings_given_are_written_with_one_warning(
        http, make_client, recorder):
    server = FakeServer(http, values={'LDAP_Authentication_Password': 'stored', 'LDAP_Authentication_UserDN': 'cn=old',
                                      'LDAP_CA_Cert': ''},
                        masked=('LDAP_Authentication_Password',) + MASKED_NOT_PASSWORDS)
    server.expect_read()
    http.post(SETTINGS_URL, json={'success': True}, match=[responses.matchers.json_params_matcher(
        {'settings': [{'_id': 'LDAP_Authentication_UserDN', 'value': 'cn=new,dc=example,dc=org'}]})])
    server.expect_read_back({'LDAP_Authentication_UserDN': 'cn=new,dc=example,dc=org'})
    desired = {'LDAP_Authentication_Password': SECRET, 'LDAP_Authentication_UserDN': 'cn=new,dc=example,dc=org',
               'LDAP_CA_Cert': ''}
    result = apply_settings(make_client(), desired, 'ldap_settings', secrets='on_create', warn=recorder.warn)
    # The CA certificate reads as "" without hasValue: known to be empty, so compared (and equal).
    assert result['changed_ids'] == ['LDAP_Authentication_UserDN']
    assert len(recorder.warnings) == 1
    assert 'LDAP_Authentication_UserDN' in recorder.warnings[0] and 'cannot be verified' in recorder.warnings[0]


def test_reset_leaves_masked_settings_that_are_not_given_alone(http, make_client):
    server = FakeServer(http, values={'LDAP_Authentication_UserDN': 'cn=svc', 'LDAP_CA_Cert': 'pem'},
                        masked=MASKED_NOT_PASSWORDS)
    server.expect_read()
    result = apply_settings(make_client(), {}, 'ldap_settings', reset=True)
    assert not result['changed'] and len(http.calls) == 4


def test_results_list_settings_in_the_admin_ui_order_and_show_a_ca_certificate_by_fingerprint(
        http, make_client, recorder):
    old, new = make_ca('Old Root CA'), make_ca('Corp Root CA')
    server = FakeServer(http, values={'LDAP_CA_Cert': pem(old), 'LDAP_Authentication_Password': 'old-' + SECRET},
                        env_owned=['LDAP_CA_Cert'])
    server.expect_read()
    desired = {'LDAP_Search_Page_Size': 500, 'LDAP_CA_Cert': pem(new), 'LDAP_Timeout': 30000,
               'LDAP_Authentication_Password': SECRET, 'LDAP_Host': 'h'}
    options = {'LDAP_CA_Cert': 'connection.ca_cert', 'LDAP_Host': 'connection.host'}
    result = apply_settings(make_client(check_mode=True), desired, 'ldap_settings', want_diff=True,
                            options=options, warn=recorder.warn)
    order = ['LDAP_Host', 'LDAP_Authentication_Password', 'LDAP_CA_Cert', 'LDAP_Timeout', 'LDAP_Search_Page_Size']
    assert result['changed_ids'] == order
    assert list(result['diff']['before']) == order and list(result['diff']['after']) == order
    assert list(result['previous']) == order and len(result['changes']) == 5
    shown_new = 'CA certificate CN=Corp Root CA,O=Corp,C=US, SHA-256 %s' % colon_fingerprint(new)
    shown_old = 'CA certificate CN=Old Root CA,O=Corp,C=US, SHA-256 %s' % colon_fingerprint(old)
    assert result['diff']['after']['LDAP_CA_Cert'] == shown_new and result['previous']['LDAP_CA_Cert'] == shown_old
    assert result['changes'][2] == 'set connection.ca_cert (LDAP_CA_Cert): "%s" -> "%s"' % (shown_old, shown_new)
    text = json.dumps([result, recorder.warnings], default=str)
    assert 'BEGIN CERTIFICATE' not in text and SECRET not in text
    assert any('LDAP_CA_Cert' in w for w in recorder.warnings)  # the environment warning names the id only


def test_snapshot_lists_blocked_and_environment_owned_ids_in_the_admin_ui_order(http, make_client):
    server = FakeServer(http, blocked=['LDAP_Timeout', 'LDAP_BaseDN', 'LDAP_Host'],
                        env_owned=['LDAP_Port', 'LDAP_Enable'])
    server.expect_read()
    snapshot = SettingsApi(make_client()).read()
    assert snapshot.blocked_ids() == ['LDAP_Host', 'LDAP_Timeout', 'LDAP_BaseDN']
    assert snapshot.env_owned_ids() == ['LDAP_Enable', 'LDAP_Port']


def test_a_write_whose_read_back_fails_is_reported_changed(http, make_client):
    server = FakeServer(http)
    server.expect_read()
    http.post(SETTINGS_URL, json={'success': True})
    http.get(SETTINGS_URL, json={'success': False, 'error': 'boom'}, status=500)
    with pytest.raises(ModuleFailure) as failure:
        apply_settings(make_client(), {'LDAP_Host': 'new.example.org'}, 'ldap_settings')
    assert failure.value.extra['changed'] is True
    assert 'reading them back failed' in failure.value.msg and failure.value.extra['status'] == 500


def test_a_write_whose_reply_never_came_is_reported_changed_and_not_resent(http, make_client):
    server = FakeServer(http)
    server.expect_read()
    http.post(SETTINGS_URL, body=requests.exceptions.ReadTimeout('read timed out'))
    with pytest.raises(ModuleFailure) as failure:
        apply_settings(make_client(), {'LDAP_Host': 'new.example.org'}, 'ldap_settings')
    assert failure.value.extra['changed'] is True and failure.value.extra['error_type'] == 'no-reply'
    assert len([c for c in http.calls if c.request.method == 'POST' and c.request.url == SETTINGS_URL]) == 1


def test_the_plan_names_drift_apart_from_writes_the_server_cannot_verify(http, make_client):
    server = FakeServer(http, values={'LDAP_Authentication_UserDN': 'cn=old'}, masked=['LDAP_Authentication_UserDN'])
    server.expect_read()
    plan = SettingsApi(make_client(check_mode=True)).plan(
        {'LDAP_Host': 'new.example.org', 'LDAP_Authentication_UserDN': 'cn=svc'}, 'ldap_settings')
    assert plan.changed_ids == ['LDAP_Host', 'LDAP_Authentication_UserDN']
    assert plan.drift_ids == ['LDAP_Host'] and plan.unverified == {'LDAP_Authentication_UserDN'}
    assert any('would be sent on every run' in w for w in plan.warnings)
    result = plan.apply()
    assert result['drift_ids'] == ['LDAP_Host'] and result['unverified_ids'] == ['LDAP_Authentication_UserDN']
    assert not [c for c in http.calls if c.request.method == 'POST' and c.request.url == SETTINGS_URL]
