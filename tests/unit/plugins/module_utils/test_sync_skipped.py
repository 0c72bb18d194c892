"""Which directory users a sync skipped, and why (the directory side is tested against slapd in
tests/integration/test_sync_report_names.py); here: the classification and that nothing fails a sync."""
import socket

from ansible_collections.chatops.rocketchat.plugins.module_utils import _sync_report as sync_report
from ansible_collections.chatops.rocketchat.plugins.module_utils import _sync_skipped as sync_skipped
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import (
    DirectoryError, DirectorySettings, Entry, sync_search_attributes,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._reconcile import UNREADABLE

SECRET = 'bind-s3cret-value'
OPENLDAP = {'LDAP_Server_Type': '', 'LDAP_User_Search_Field': 'uid', 'LDAP_Username_Field': 'uid',
            'LDAP_Email_Field': 'mail', 'LDAP_Unique_Identifier_Field': 'entryUUID'}


def entry(uid, mail=None, **attributes):
    raw = {'uid': [uid.encode()], 'entryUUID': [('uuid-' + uid).encode()]}
    if mail is not None:
        raw['mail'] = [m.encode() for m in (mail if isinstance(mail, list) else [mail])]
    raw.update((k, [v.encode()]) for k, v in attributes.items())
    return Entry('uid=%s,ou=people,dc=example,dc=org' % uid, raw)


def rc_user(username, ldap=True, email=None, ldap_id=None):
    user = {'_id': 'id-' + username, 'username': username, 'emails': [{'address': email or username + '@example.org'}]}
    if ldap:
        user['ldap'] = True
    if ldap_id:
        user['services'] = {'ldap': {'id': ldap_id.encode().hex(), 'idAttribute': 'entryUUID'}}
    return user


def rows(users):
    return sync_report.snapshot(users).values()


def classify(entries, users, **values):
    skipped, assumed = sync_skipped.skipped_entries(DirectorySettings(dict(OPENLDAP, **values)), entries, rows(users))
    assert assumed == 0
    return skipped


def test_an_entry_without_e_mail_is_skipped_with_the_servers_reason():
    skipped = classify([entry('alice', 'alice@example.org'), entry('oscar')], [rc_user('alice')])
    assert [s['username'] for s in skipped] == ['oscar']
    assert skipped[0]['dn'] == 'uid=oscar,ou=people,dc=example,dc=org'
    assert skipped[0]['reason'].startswith('no e-mail attribute: no value with "@" in mail (LDAP_Email_Field)')
    assert 'Failed to get email address from LDAP user' in skipped[0]['reason']


def test_a_mail_value_without_at_counts_as_no_e_mail_but_a_default_domain_gives_one():
    entries = [entry('nadia', 'nadia-at-example')]
    assert [s['username'] for s in classify(entries, [])] == ['nadia']
    # With a default domain the server makes nadia@example.org; a sync that then did not create her is unexplained.
    unknown = classify(entries, [], LDAP_Default_Domain='example.org')
    assert unknown[0]['reason'].startswith('unknown')


def test_synced_users_are_matched_by_ldap_id_username_or_e_mail():
    entries = [entry('alice', 'alice@example.org'), entry('bob', 'bob@example.org'), entry('carol', 'carol@corp.org')]
    users = [rc_user('renamed', ldap_id='uuid-alice'), rc_user('BOB'), rc_user('carol.c', email='Carol@corp.org')]
    assert classify(entries, users) == []


def test_an_unlinked_local_user_with_the_same_username_explains_the_skip():
    linked = rc_user('alice')  # the listing tells linked users apart
    skipped = classify([entry('dave', 'dave@example.org')], [linked, rc_user('dave', ldap=False, email='d@local')])
    assert "a Rocket.Chat user 'dave' with the same username exists and is not linked to LDAP" in skipped[0]['reason']
    assert 'LDAP_Background_Sync_Merge_Existent_Users' in skipped[0]['reason']
    by_email = classify([entry('erin', 'erin@example.org')],
                        [linked, rc_user('erin.local', ldap=False, email='erin@example.org')])
    assert 'same e-mail address' in by_email[0]['reason']


def test_a_listing_without_ldap_links_takes_name_matches_as_synced_and_says_so(monkeypatch):
    # Rocket.Chat's users.list (fields ignored) lists neither `ldap` nor services: no user looks linked
    listed = [rc_user('alice', ldap=False), rc_user('bob', ldap=False, email='robert@example.org')]
    entries = [entry('alice', 'alice@example.org'), entry('bob', 'bob@example.org'), entry('oscar')]
    settings = DirectorySettings(OPENLDAP)
    skipped, assumed = sync_skipped.skipped_entries(settings, entries, rows(listed))
    assert [s['username'] for s in skipped] == ['oscar'] and assumed == 2

    class Conn:
        def search(self, *args, **kwargs):
            return entries

        def close(self):
            pass
    monkeypatch.setattr(sync_skipped, 'open_service_connection', lambda _settings: Conn())
    warnings = []
    skipped, note = sync_skipped.find_skipped(dict(OPENLDAP, LDAP_BaseDN='dc=example,dc=org'), rows(listed),
                                              warn=warnings.append)
    assert [s['username'] for s in skipped] == ['oscar']
    assert note.startswith('users.list does not say which users are linked to LDAP') and '2 directory entries' in note
    assert warnings == []  # a remark for the report, not a warning on every run


def test_problems_are_warned_and_noted():
    warnings = []
    skipped, note = sync_skipped.find_skipped(dict(OPENLDAP, LDAP_Authentication_Password=UNREADABLE), [],
                                              warn=warnings.append)
    assert skipped is None and warnings == [note] and note.startswith('skipped users could not be determined')


def test_new_users_not_imported_when_the_import_is_off():
    skipped = classify([entry('frank', 'frank@example.org')], [], LDAP_Background_Sync_Import_New_Users=False)
    assert skipped[0]['reason'] == 'not imported: LDAP_Background_Sync_Import_New_Users is off'


def test_active_directory_reads_the_ad_e_mail_field():
    skipped = classify([entry('grace', sAMAccountName='grace')], [], LDAP_Server_Type='ad',
                       LDAP_AD_Username_Field='uid', LDAP_AD_User_Search_Field='uid',
                       LDAP_AD_Email_Field='userPrincipalName')
    assert 'userPrincipalName (LDAP_AD_Email_Field)' in skipped[0]['reason']


def test_the_search_reads_only_the_attributes_it_needs():
    settings = DirectorySettings(dict(OPENLDAP, LDAP_Username_Field='#{givenName}.#{sn}',
                                      LDAP_Email_Field='mail,email'))
    # find_skipped also reads the unique-id attributes (users are matched by services.ldap.id); ldap_check does not.
    assert sync_search_attributes(settings, unique_ids=True) == ['email', 'entryUUID', 'givenName', 'mail', 'sn', 'uid']
    assert sync_search_attributes(settings) == ['email', 'givenName', 'mail', 'sn', 'uid']
    assert sync_search_attributes(DirectorySettings(dict(OPENLDAP, LDAP_Unique_Identifier_Field='dn')),
                                  unique_ids=True) == ['mail', 'uid']


def test_find_skipped_classifies_the_entries_the_sync_search_admits(monkeypatch):
    class Conn:
        def __init__(self):
            self.searches = []

        def search(self, base, search_filter, **kwargs):
            self.searches.append((base, search_filter, kwargs))
            return [entry('alice', 'alice@example.org'), entry('oscar')]

        def close(self):
            pass
    conn = Conn()
    monkeypatch.setattr(sync_skipped, 'open_service_connection', lambda _settings: conn)
    skipped, note = sync_skipped.find_skipped(dict(OPENLDAP, LDAP_BaseDN='dc=example,dc=org',
                                                   LDAP_Search_Page_Size=0), rows([rc_user('alice')]))
    assert note is None and [s['username'] for s in skipped] == ['oscar']
    assert skipped[0]['reason'].startswith('no e-mail attribute')
    (base, search_filter, kwargs), = conn.searches
    assert search_filter == '(&(objectclass=*)(uid=*))' and kwargs['page_size'] == 500
    assert 'entryUUID' in kwargs['attributes']


def test_without_ldap3_the_result_says_it_could_not_determine(monkeypatch):
    monkeypatch.setattr(sync_skipped, 'HAS_LDAP3', False)
    skipped, note = sync_skipped.find_skipped(dict(OPENLDAP, LDAP_Host='localhost'), [])
    assert skipped is None and note == ('skipped users could not be determined: the ldap3 Python library is not '
                                        'installed on the host that runs the module')


def test_settings_the_server_does_not_disclose_are_named():
    skipped, note = sync_skipped.find_skipped(dict(OPENLDAP, LDAP_Authentication_Password=UNREADABLE), [])
    assert skipped is None and note.endswith('the server does not disclose LDAP_Authentication_Password')


def test_an_unreachable_directory_is_a_note_not_a_failure():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    values = dict(OPENLDAP, LDAP_Host='127.0.0.1', LDAP_Port=port, LDAP_Authentication=True,
                  LDAP_Authentication_UserDN='cn=svc,dc=example,dc=org', LDAP_Authentication_Password=SECRET)
    skipped, note = sync_skipped.find_skipped(values, [])
    assert skipped is None
    assert note.startswith('skipped users could not be determined: the directory could not be reached from the host '
                           'that runs the module (tcp): ') and SECRET not in note


def test_directory_messages_are_redacted(monkeypatch):
    def refuse(_settings):
        raise DirectoryError('bind', 'the server refused the bind with %s' % SECRET)
    monkeypatch.setattr(sync_skipped, 'open_service_connection', refuse)
    skipped, note = sync_skipped.find_skipped(dict(OPENLDAP, LDAP_Authentication_Password=SECRET), [],
                                              redact=lambda text: text.replace(SECRET, '********'))
    assert skipped is None and SECRET not in note and '(bind)' in note
