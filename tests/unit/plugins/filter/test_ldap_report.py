"""The filters chatops.rocketchat.ldap_report and ldap_drift: the role's report model and drift rule, from
registered results shaped as the modules return them and as the role's tasks/report.yml collects them."""

import copy

import pytest
import yaml

from ansible_collections.chatops.rocketchat.plugins.filter import ldap_drift as drift_plugin
from ansible_collections.chatops.rocketchat.plugins.filter import ldap_report as plugin
from ansible_collections.chatops.rocketchat.plugins.filter.ldap_drift import ldap_drift
from ansible_collections.chatops.rocketchat.plugins.filter.ldap_report import ldap_report

NOT_REACHED = {'skipped': True, 'not_reached': True}
SKIPPED = {'skipped': True, 'changed': False}
ALL_PHASES = ['preflight', 'configure', 'verify', 'sync']


def settings_result(changed_ids=(), unverified_ids=(), **more):
    result = dict(changed=bool(changed_ids), changed_ids=list(changed_ids), unverified_ids=list(unverified_ids),
                  server_version='8.8.1')
    result.update(more)
    return result


def item(**overrides):
    """One workspace as report.yml collects it: a full run that compared everything and changed nothing."""
    value = dict(
        workspace='ws1', check_mode=False, phases=list(ALL_PHASES), failure=None, failed_phase=None,
        settings=settings_result(),
        mappings=dict(roles=dict(changed=False, changes=[]), channels=SKIPPED, teams=SKIPPED),
        preflight=SKIPPED, test_connection=dict(changed=False, bind_verified=True),
        test_search=dict(changed=False, results=[]), sync_wanted=False, sync=SKIPPED)
    value.update(overrides)
    return value


def workspace(**overrides):
    return ldap_report([item(**overrides)])['workspaces'][0]


def failed(phase, **overrides):
    """A run where `phase` failed: the tasks of that phase after the failed one, and of later phases, not reached."""
    reached = ALL_PHASES.index(phase) if phase in ALL_PHASES else 0
    values = dict(failure='Some task: it failed', failed_phase=phase, sync=NOT_REACHED)
    if reached <= ALL_PHASES.index('configure'):
        values.update(settings=NOT_REACHED, mappings=dict(roles=NOT_REACHED, channels=NOT_REACHED, teams=NOT_REACHED))
    if reached <= ALL_PHASES.index('verify'):
        values.update(test_connection=NOT_REACHED, test_search=NOT_REACHED)
    if reached == 0:
        values.update(preflight=NOT_REACHED)
    values.update(overrides)
    return workspace(**values)


# -- the drift rule --------------------------------------------------------------------------------

def test_drift_counts_changed_settings_but_not_those_written_only_because_the_server_hides_them():
    settings = settings_result(['LDAP_Host', 'LDAP_Authentication_UserDN', 'LDAP_Port'],
                               unverified_ids=['LDAP_Authentication_UserDN'])
    assert ldap_drift({'settings': settings}) == ['LDAP_Host', 'LDAP_Port']
    only_unverified = settings_result(['LDAP_Authentication_Password'], ['LDAP_Authentication_Password'])
    assert ldap_drift({'settings': only_unverified}) == []


def test_drift_takes_the_modules_own_drift_ids_when_it_lists_them():
    settings = settings_result(['LDAP_Host', 'LDAP_Port'], drift_ids=['LDAP_Port'])
    assert ldap_drift({'settings': settings}) == ['LDAP_Port']
    assert ldap_drift({'roles': dict(changed=True, changes=['set enabled: false -> true'], drift_ids=[])}) == []


def test_drift_lists_each_maps_lines_after_the_settings_prefixed_with_its_kind():
    results = dict(
        teams=dict(changed=True, changes=['add group t -> teams eng']),
        roles=dict(changed=True, changes=['add group a -> roles admin', 'set LDAP_Sync_User_Data_Roles: false -> true']),
        settings=settings_result(['LDAP_Enable']),
        channels=dict(changed=False, changes=[]))
    assert ldap_drift(results) == ['LDAP_Enable', 'roles: add group a -> roles admin',
                                   'roles: set LDAP_Sync_User_Data_Roles: false -> true', 'teams: add group t -> teams eng']


def test_a_map_changed_without_a_line_still_drifts_so_changed_and_drift_agree():
    # a stored map the server cannot read ({"group": "admin"}) is rewritten with the same groups
    drift = ldap_drift({'roles': dict(changed=True, changes=[])})
    assert drift == ['roles: the stored map is rewritten in the form the server reads (same groups)']
    model = workspace(mappings=dict(roles=dict(changed=True, changes=[]), channels=SKIPPED, teams=SKIPPED))
    assert model['status'] == 'changed' and model['changes'] == 1
    assert model['mappings']['lines'] == [dict(
        kind='roles', text='the stored map is rewritten in the form the server reads (same groups)', failed=False)]
    # lines of a map whose changes the module does not count as drift are not listed either
    hidden = workspace(mappings=dict(roles=dict(changed=True, changes=['set x: 1 -> 2'], drift_ids=[]),
                                     channels=SKIPPED, teams=SKIPPED))
    assert (hidden['status'], hidden['mappings']) == ('in sync', dict(state='no_change'))


@pytest.mark.parametrize('result', [None, {}, SKIPPED, NOT_REACHED, dict(failed=True, msg='boom', changed_ids=['LDAP_Host'])])
def test_a_task_that_did_not_run_or_failed_adds_no_drift(result):
    assert ldap_drift({'settings': result, 'roles': result, 'channels': result, 'teams': result}) == []
    assert ldap_drift(None) == []


# -- each status -------------------------------------------------------------------------------------

def test_status_in_sync_when_everything_compared_matched():
    model = workspace()
    assert (model['status'], model['changes'], model['drift']) == ('in sync', 0, [])
    assert model['settings'] == dict(state='no_change', rows=[], unverified_ids=[])
    assert model['mappings'] == dict(state='no_change')


def test_status_in_sync_when_only_undisclosed_secrets_were_written():
    model = workspace(settings=settings_result(['LDAP_Authentication_Password'], ['LDAP_Authentication_Password']))
    assert model['status'] == 'in sync' and model['settings']['unverified_ids'] == ['LDAP_Authentication_Password']


def test_status_changed_counts_every_drift_item_and_shows_before_and_after_as_text():
    settings = settings_result(['LDAP_Enable', 'LDAP_Port', 'LDAP_Host'], diff=dict(
        before={'LDAP_Enable': False, 'LDAP_Port': 389, 'LDAP_Host': None},
        after={'LDAP_Enable': True, 'LDAP_Port': 636, 'LDAP_Host': 'ldap.example.org'}))
    model = workspace(settings=settings, mappings=dict(roles=dict(changed=True, changes=['add group a -> roles admin']),
                                                       channels=SKIPPED, teams=SKIPPED))
    assert (model['status'], model['changes']) == ('changed', 4)
    assert model['settings']['rows'] == [dict(id='LDAP_Enable', before='false', after='true'),
                                         dict(id='LDAP_Port', before='389', after='636'),
                                         dict(id='LDAP_Host', before='null', after='ldap.example.org')]
    assert model['mappings'] == dict(state='listed', cut_off=[],
                                     lines=[dict(kind='roles', text='add group a -> roles admin', failed=False)])


def test_without_a_diff_the_previous_values_are_the_before_column():
    model = workspace(settings=settings_result(['LDAP_Host'], previous={'LDAP_Host': 'old'}))
    assert model['settings']['rows'] == [dict(id='LDAP_Host', before='old', after='(see the run)')]


def test_status_would_change_in_check_mode_and_the_stale_server_tests_are_said_so():
    model = workspace(check_mode=True, settings=settings_result(['LDAP_Host']), test_connection=SKIPPED,
                      test_search=SKIPPED, sync_wanted=True)
    assert model['status'] == 'would change'
    assert model['server_tests'] == dict(status='not run', connection=dict(state='stale'), searches=[])
    assert model['sync'] == dict(state='would_run', status='would run')


def test_status_not_compared_when_neither_settings_nor_a_map_task_ran():
    model = workspace(phases=['preflight', 'verify'], settings=NOT_REACHED,
                      mappings=dict(roles=NOT_REACHED, channels=NOT_REACHED, teams=NOT_REACHED), sync=NOT_REACHED)
    assert model['status'] == 'not compared'
    excluded = dict(reason='excluded', phase='configure')
    assert model['settings'] == dict(state='not_run', not_run=excluded)
    assert model['mappings'] == dict(state='not_run', not_run=excluded)
    assert model['sync']['not_run'] == dict(reason='excluded', phase='sync')
    assert workspace(settings=SKIPPED, mappings=dict(roles=SKIPPED, channels=SKIPPED, teams=SKIPPED))['status'] == 'not compared'


def test_status_failed_wins_over_changes():
    model = workspace(failure='Sync: LDAP is off', failed_phase='sync', settings=settings_result(['LDAP_Host']),
                      sync=dict(failed=True, msg='LDAP is off'), sync_wanted=True)
    assert (model['status'], model['changes'], model['failed_phase']) == ('failed', 1, 'sync')
    assert model['sync'] == dict(state='failed', status='failed', msg='LDAP is off')


def test_a_failed_phase_without_a_failure_is_not_named():
    assert workspace(failed_phase='configure')['failed_phase'] is None


# -- what a failure cut off ---------------------------------------------------------------------------

def test_a_failed_login_cuts_off_every_phase():
    model = failed('login')
    cut_off = dict(reason='cut_off', phase='login')
    assert model['status'] == 'failed' and model['failure'] == 'Some task: it failed'
    assert model['settings']['not_run'] == cut_off and model['mappings']['not_run'] == cut_off
    assert model['server_tests']['connection'] == dict(state='not_run', not_run=cut_off)
    assert model['sync'] == dict(state='not_run', status='not run', not_run=cut_off)
    assert model['server_version'] is None


def test_a_failed_preflight_cuts_off_configure_verify_and_sync():
    model = failed('preflight', preflight=dict(failed=True, summary={'fail': 1}, checks=[
        dict(status='fail', name='tcp', detail='cannot connect'), dict(status='ok', name='dns', detail='')]))
    cut_off = dict(reason='cut_off', phase='preflight')
    assert [model['settings']['not_run'], model['mappings']['not_run'], model['server_tests']['connection']['not_run'],
            model['sync']['not_run']] == [cut_off] * 4
    assert model['preflight']['problems'] == [dict(status='fail', name='tcp', detail='cannot connect')]


def test_a_map_failing_cuts_off_the_maps_after_it_and_the_later_phases():
    model = failed('configure', settings=settings_result(['LDAP_Enable']),
                   mappings=dict(roles=dict(failed=True, msg='unknown role x'), channels=NOT_REACHED, teams=NOT_REACHED))
    assert model['mappings'] == dict(state='listed', cut_off=['channels', 'teams'],
                                     lines=[dict(kind='roles', text='unknown role x', failed=True)])
    assert model['settings']['rows'][0]['id'] == 'LDAP_Enable'
    assert model['server_tests']['connection']['not_run'] == dict(reason='cut_off', phase='configure')
    assert model['sync']['not_run'] == dict(reason='cut_off', phase='configure')


def test_a_failed_settings_task_is_failed_and_the_maps_are_cut_off():
    model = failed('configure', settings=dict(failed=True, msg='connection.encryption: carrier-pigeon'))
    assert model['settings'] == dict(state='failed', msg='connection.encryption: carrier-pigeon')
    assert model['mappings'] == dict(state='not_run', not_run=dict(reason='cut_off', phase='configure'))


def test_phases_before_the_failed_one_that_did_not_run_were_not_selected():
    # --tags verify: configure was not selected, the sync after the failed verify phase was cut off
    model = failed('verify', settings=NOT_REACHED, mappings=dict(roles=NOT_REACHED, channels=NOT_REACHED, teams=NOT_REACHED),
                   test_connection=dict(failed=True, msg='no LDAP'), test_search=SKIPPED)
    assert model['settings']['not_run'] == dict(reason='not_selected', phase='configure')
    assert model['mappings']['not_run'] == dict(reason='not_selected', phase='configure')
    assert model['server_tests']['status'] == 'failed'
    assert model['server_tests']['connection'] == dict(state='failed', meaning='no LDAP')
    assert model['sync']['not_run'] == dict(reason='cut_off', phase='verify')


def test_without_a_failure_a_task_not_reached_was_not_selected_by_tags():
    model = workspace(sync=NOT_REACHED)
    assert model['sync']['not_run'] == dict(reason='not_selected', phase='sync')


def test_an_unknown_failed_phase_cuts_off_everything_not_reached():
    model = failed('login', failed_phase='unknown')
    assert model['settings']['not_run'] == dict(reason='cut_off', phase='unknown')


# -- sections -------------------------------------------------------------------------------------------

def test_preview_users_and_server_searches_are_given_plainly():
    preflight = dict(changed=False, summary={'warn': 1, 'ok': 2}, checks=[], users=[
        dict(username='alice', found=True, rocketchat=dict(username='alice', email=None), roles=['admin'],
             disabled='userAccountControl 514'),
        dict(username='bob', found=False)])
    search = dict(results=[dict(username='nobody', result='not_found', ok=True, expect='not_found', verified=False),
                           dict(username='z', result='found', ok=False, expect='not_found', meaning='m')])
    model = workspace(preflight=preflight, test_search=search, test_connection=dict(bind_verified=False))
    assert model['preflight']['summary'] == {'warn': 1, 'ok': 2}
    assert model['preflight']['users'] == [
        dict(username='alice', found=True, rocketchat_username='alice', email='', disabled='userAccountControl 514',
             roles=['admin'], channels=[], teams=[]),
        dict(username='bob', found=False, rocketchat_username='', email='', disabled='', roles=[], channels=[], teams=[])]
    assert model['server_tests']['connection'] == dict(state='passed', bind_verified=False)
    assert model['server_tests']['searches'] == [
        dict(username='nobody', result='not_found', ok=True, expect='not_found', verified=False, meaning=''),
        dict(username='z', result='found', ok=False, expect='not_found', verified=True, meaning='m')]
    assert workspace()['preflight'] == dict(ran=False)


def test_a_sync_that_ran_is_summed_up():
    report = dict(created=[dict(username='u1', roles=['user']), dict(username='u2', roles=[], active=False)],
                  deactivated=['d1'], removed=['x'], reactivated=[],
                  roles_changed=[dict(username='r1', added=['admin'], removed=['user'])],
                  skipped=[dict(dn='cn=s', reason='no mail')], skipped_count=3,
                  omitted=dict(created=5, deactivated=2, skipped=2))
    summary = dict(created=7, updated=0, deactivated=3, reactivated=0, removed=1, roles_added=1, roles_removed=1,
                   users_before=10, users_after=16, skipped=3)
    model = workspace(sync_wanted=True, sync=dict(changed=True, synced=True, summary=summary, report=report,
                                                  msg='not read'))['sync']
    line = '7 created, 0 updated, 3 deactivated, 0 reactivated; 1 roles added, 1 removed (10 users before, 16 after); 3 skipped'
    assert model['state'] == 'synced' and model['status'] == line and model['summary_text'] == line
    assert model['summary'] == summary  # the module's counts, as preflight's summary is ldap_check's
    assert model['created'] == [dict(username='u1', roles=['user'], active=True),
                                dict(username='u2', roles=[], active=False)]
    assert model['created_more'] == 5
    assert model['lines'] == ['Deactivated: d1 and 2 more.', 'Removed: x.', 'Roles changed: r1 (+admin, -user).']
    assert (model['skipped'], model['skipped_count'], model['skipped_more']) == ([dict(user='cn=s', reason='no mail')], 3, 2)
    assert model['skipped_unknown'] is False
    unknown = workspace(sync=dict(synced=True, summary=dict(summary, skipped=None),
                                  report=dict(skipped_count=None, skipped_note='why')))['sync']
    assert unknown['skipped_unknown'] is True and unknown['skipped_note'] == 'why'
    assert unknown['summary_text'].endswith('after); skipped users not determined')
    # report: false gives no counts: the table says the sync ran, the template 'A sync ran.'
    bare = workspace(sync=dict(synced=True, changed=True))['sync']
    assert (bare['status'], bare['summary'], bare['summary_text'], bare['created']) == ('ran', {}, '', [])
    # a sync whose search the size limit cut (failed, with the report): the counts, not the error message
    cut = workspace(sync=dict(synced=True, failed=True, msg='LDAP_Search_Size_Limit ...',
                              summary=dict(summary, skipped=None)))['sync']
    assert cut['status'].startswith('7 created') and 'Size_Limit' not in cut['summary_text']
    assert workspace()['sync'] == dict(state='not_needed', status='not needed')


# -- the run ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('items, outcome', [
    ([item(check_mode=True), item(workspace='ws2', failure='x: y', failed_phase='sync')], 'check_mode'),
    ([item(), item(workspace='ws2', failure='x: y', failed_phase='sync')], 'failed'),
    ([item(), item(workspace='ws2', settings=settings_result(['LDAP_Host']))], 'applied'),
    ([item(), item(workspace='ws2', settings=SKIPPED)], 'no_change'),
    ([item(settings=SKIPPED, mappings=dict(roles=SKIPPED, channels=SKIPPED, teams=SKIPPED))], 'nothing_compared'),
])
def test_the_runs_outcome(items, outcome):
    assert ldap_report(items)['outcome'] == outcome


def test_the_run_sums_changes_and_syncs_and_lists_failures_and_phases():
    run = ldap_report([
        item(phases=['sync'], sync=dict(synced=True, summary=dict(created=1))),
        item(workspace='ws2', phases=['preflight', 'verify'], settings=settings_result(['LDAP_Host', 'LDAP_Port'])),
        item(workspace='ws3', phases=['sync'], failure='Stop when the login failed: 401', failed_phase='login')])
    assert run['changes'] == 2 and run['synced'] == 1 and run['failed'] == ['ws3']
    assert run['phases'] == ['preflight', 'verify', 'sync']
    assert [w['workspace'] for w in run['workspaces']] == ['ws1', 'ws2', 'ws3']
    assert ldap_report([]) == dict(outcome='nothing_compared', check_mode=False, failed=[], changes=0, synced=0,
                                   phases=[], workspaces=[])


def test_the_run_summed_from_the_workspaces_models_is_the_run_summed_from_their_items():
    # The role sets each workspace's model as the fact ldap_outcome and sums up the run from those facts.
    items = [item(phases=['sync'], sync=dict(synced=True, summary=dict(created=1))),
             item(workspace='ws2', check_mode=True, settings=settings_result(['LDAP_Host'])),
             item(workspace='ws3', failure='Stop when the login failed: 401', failed_phase='login')]
    models = [ldap_report([one])['workspaces'][0] for one in items]
    assert ldap_report(models, summed=True) == ldap_report(items)
    assert ldap_report(models[:1] + models[2:], summed=True)['outcome'] == 'failed'
    assert ldap_report([], summed=True) == ldap_report([])


def test_the_input_is_not_changed_and_the_model_is_plain_data():
    items = [item(settings=settings_result(['LDAP_Host'], diff=dict(before={'LDAP_Host': 'a'}, after={'LDAP_Host': 'b'})))]
    before = copy.deepcopy(items)
    run = ldap_report(items)
    assert items == before
    assert yaml.safe_load(yaml.safe_dump(run)) == run  # only dicts, lists, strings, numbers, booleans, None


@pytest.mark.parametrize('module, name, function', [(plugin, 'ldap_report', ldap_report),
                                                     (drift_plugin, 'ldap_drift', ldap_drift)])
def test_each_filter_is_registered_and_documented_in_its_own_file(module, name, function):
    assert module.FilterModule().filters() == {name: function}
    assert yaml.safe_load(module.DOCUMENTATION)['name'] == name
    yaml.safe_load(module.EXAMPLES)


def test_the_documented_model_is_the_model():
    returned = yaml.safe_load(plugin.RETURN)['_value']['contains']
    assert set(returned) == set(ldap_report([item()]))
    assert set(returned['workspaces']['contains']) == set(workspace())
