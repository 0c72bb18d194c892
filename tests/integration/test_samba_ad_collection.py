"""The collection against a real Active Directory (the samba-ad flavour, issue 11): ldap_settings with
server_type ad, the role, channel and team maps with nested-group filters (LDAP_MATCHING_RULE_IN_CHAIN),
and ldap_check's preview, which must promise every sample user exactly the roles, channels and teams
the sandbox's sync then gives them, through nesting four groups deep."""

from tests.integration.helpers import connection_vars, run_playbook
from tests.integration.test_samba_ad_sync import IN_CHAIN, ROLES_MAP, ldap_users
from tests.sandbox.ldap import samba_data

LDAP_SETTINGS = 'chatops.rocketchat.ldap_settings'
ROLE_MAPPING = 'chatops.rocketchat.ldap_role_mapping'
CHANNEL_MAPPING = 'chatops.rocketchat.ldap_channel_mapping'
TEAM_MAPPING = 'chatops.rocketchat.ldap_team_mapping'
LDAP_CHECK = 'chatops.rocketchat.ldap_check'
SYNC = 'chatops.rocketchat.ldap_sync'


def ad_options(ad):
    """ldap_settings' options for the DC, as an AD administrator writes them."""
    return {
        'enabled': True,
        'server_type': 'ad',
        'active_state': 'both',
        'connection': {'host': ad['host'], 'port': ad['port'], 'encryption': 'plain'},
        'authentication': {'enabled': True, 'bind_dn': ad['ldap_bind_upn'], 'bind_password': ad['ldap_bind_password']},
        'user_search': {'base_dn': ad['ldap_base_dn'], 'page_size': 10,
                        'filter': '(&(objectCategory=person)(objectClass=user)(memberOf:%s:=%s))'
                                  % (IN_CHAIN, samba_data.group_dn('rocketchat-users'))},
        'background_sync': {'enabled': True},
    }


def role_map(ad):
    return {'enabled': True, 'base_dn': ad['groups_dn'],
            'filter': '(&(objectClass=group)(cn=#{groupName})(member:%s:=#{userdn}))' % IN_CHAIN,
            'mappings': [{'group': group, 'roles': [role]} for group, role in sorted(ROLES_MAP.items())]}


def channel_map(ad):
    return {'enabled': True, 'exclusive': True, 'base_dn': ad['groups_dn'],
            'filter': '(&(objectClass=group)(cn=#{groupName})(member:%s:=#{userdn}))' % IN_CHAIN,
            'mappings': [{'group': 'engineering', 'channels': ['engineering-news']},
                         {'group': 'sales', 'channels': ['sales-floor']},
                         {'group': 'dev-backend', 'channels': ['backend']}]}


def team_map(ad):
    return {'enabled': True, 'exclusive': True, 'base_dn': ad['teams_dn'], 'name_attributes': ['cn'],
            'query': '(&(objectClass=group)(member:%s:=#{userdn}))' % IN_CHAIN,
            'mappings': [{'group': 'team-engineering', 'teams': ['engineering']},
                         {'group': 'team-support', 'teams': ['support']}]}


def memberships(sandbox):
    """username -> (channels, teams) the user is a member of, after the sync."""
    state = sandbox.state()
    names = dict((user['_id'], user['username']) for user in state['users'])
    found = {}
    for room in state['channels']:
        if not room.get('teamMain'):
            for member in room.get('members', []):
                found.setdefault(names[member], (set(), set()))[0].add(room['name'])
    for team in state['teams']:
        for member in team['members']:
            found.setdefault(names[member], (set(), set()))[1].add(team['name'])
    return found


def test_ldap_check_promises_the_roles_the_sync_gives_through_nested_groups(sandbox_clean, samba_ad):
    sandbox, ad = sandbox_clean, samba_ad.info
    logins = [user[0] for user in samba_data.USERS]
    conn = connection_vars(sandbox)
    run = run_playbook([
        {LDAP_CHECK: dict(ad_options(ad), role_mapping=role_map(ad), channel_mapping=channel_map(ad),
                          team_mapping=team_map(ad), users=[{'username': u} for u in logins], fail_on='never')},
        {LDAP_SETTINGS: ad_options(ad)},
        {ROLE_MAPPING: dict(role_map(ad), validate_groups=True, ldap_settings=ad_options(ad))},
        {CHANNEL_MAPPING: dict(channel_map(ad), validate_groups=True, ldap_settings=ad_options(ad))},
        {TEAM_MAPPING: team_map(ad)},
        {SYNC: {}},
    ], module_defaults=conn, timeout=600)
    check, settings, roles, channels, teams, sync = run.results
    assert not settings.get('failed'), settings.get('msg')
    assert not roles.get('failed'), roles
    assert not channels.get('failed') and not teams.get('failed'), (channels, teams)
    assert sync.get('synced'), sync
    items = dict((item['name'], item) for item in check['checks'])
    # the DC resolves the nested-group matching rule: the check passes (it fails on OpenLDAP)
    assert items['filter: matching rules']['status'] == 'ok', items

    synced = ldap_users(sandbox)
    joined = memberships(sandbox)
    previewed = dict((user['username'], user) for user in check['users'] if user['found'])
    assert previewed, check
    compared = 0
    for login, user in previewed.items():
        username = user['rocketchat']['username']
        if username not in synced:  # not imported (no e-mail, not in the admitted group): nothing to compare
            continue
        compared += 1
        assert sorted(user.get('roles', [])) == sorted(r for r in synced[username]['roles'] if r != 'user'), login
        joined_channels, joined_teams = joined.get(username, (set(), set()))
        assert set(user.get('channels', [])) == joined_channels - {'general'}, login
        assert set(user.get('teams', [])) == joined_teams, login
    assert compared >= 30, (compared, sorted(synced))
    # The disabled and the locked account: the preview says why the server treats them as disabled,
    # and the sync (active state "both") deactivates exactly the accounts the preview names.
    assert {ad['disabled_user'], ad['locked_user']} <= set(synced)
    assert 'userAccountControl' in previewed[ad['disabled_user']]['disabled']
    assert 'lockoutTime' in previewed[ad['locked_user']]['disabled']
    for login, user in previewed.items():
        username = user['rocketchat']['username']
        if username in synced:
            assert synced[username]['active'] is not bool(user['disabled']), login
    assert sorted(previewed[ad['sample_user']]['roles']) == ['livechat-monitor']  # four levels deep
    assert sorted(previewed[ad['sample_user']]['channels']) == ['backend', 'engineering-news']
    assert previewed[ad['sample_user']]['teams'] == ['engineering']
    assert sum(1 for user in previewed.values() if user.get('teams') == ['support']) >= 5


def test_ldap_check_binds_as_the_service_account_in_each_form_ad_accepts(samba_ad):
    """A DN, a user principal name and DOMAIN\\name all bind on the DC, over LDAPS with the domain CA."""
    ad = samba_ad.info
    forms = [ad['ldap_bind_dn'], ad['ldap_bind_upn'], '%s\\%s' % (ad['domain'], samba_data.SERVICE_LOGIN)]
    with open(ad['ca_cert_path'], encoding='ascii') as handle:
        ca_pem = handle.read()
    tasks = []
    for bind in forms:
        options = ad_options(ad)
        options['connection'] = {'host': ad['host'], 'port': ad['tls_port'], 'encryption': 'ssl',
                                 'ca_cert': ca_pem, 'reject_unauthorized': True}
        options['authentication'] = dict(options['authentication'], bind_dn=bind)
        tasks.append({LDAP_CHECK: dict(options, users=[{'username': ad['sample_user']}], fail_on='never')})
    run = run_playbook(tasks, timeout=300)
    for bind, result in zip(forms, run.results):
        checks = dict((item['name'], item) for item in result['checks'])
        assert checks['bind']['status'] == 'ok', (bind, checks['bind'])
        assert checks['encryption']['status'] == 'ok', (bind, checks['encryption'])
        assert result['users'][0]['found'] and result['users'][0]['disabled'] is None, bind
