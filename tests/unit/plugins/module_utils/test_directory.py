"""Unit tests of the directory code's pure parts: filters, placeholders, the user data mapping."""

import pytest

from ansible_collections.chatops.rocketchat.plugins.module_utils import _directory as directory
from ansible_collections.chatops.rocketchat.plugins.module_utils._directory import (
    ANY_USER, DirectoryError, DirectorySettings, Entry, GroupBatch, disabled_reason, group_filter_template, map_user,
    slugify_username, substitute, user_search_filter,
)
from ansible_collections.chatops.rocketchat.plugins.module_utils._ldap_filter import validate_filter, wrap_filter


def test_wrap_filter_adds_parentheses_like_the_server():
    assert wrap_filter('objectClass=person') == '(objectClass=person)'
    assert wrap_filter(' (objectClass=person) ') == '(objectClass=person)'


def test_user_search_filter_escapes_and_ors_several_fields():
    settings = DirectorySettings({'LDAP_Server_Type': '', 'LDAP_User_Search_Field': 'uid, mail',
                                  'LDAP_User_Search_Filter': 'objectClass=person'})
    assert user_search_filter(settings, 'a*(b)') == '(&(objectClass=person)(|(uid=a\\2a\\28b\\29)(mail=a\\2a\\28b\\29)))'
    # every user (a sync's search) is asked for explicitly; a login name "*" is escaped, as the server
    # escapes it, and matches nobody
    assert user_search_filter(settings, ANY_USER) == '(&(objectClass=person)(|(uid=*)(mail=*)))'
    assert user_search_filter(settings, '*') == '(&(objectClass=person)(|(uid=\\2a)(mail=\\2a)))'


def test_ad_server_type_reads_the_ad_twins():
    settings = DirectorySettings({})  # the server's default type is ad
    assert settings.search_fields == ['sAMAccountName']
    assert DirectorySettings({'LDAP_Server_Type': ''}).search_fields == ['uid']


def test_substitution_differs_between_group_filter_and_membership_filters():
    template = '(&(member=#{userdn})(uid=#{username}))'
    dn, name = 'cn=Smith\\, John,ou=people', 'j(x)'
    assert substitute(template, username=name, userdn=dn) == '(&(member=cn=Smith\\5c, John,ou=people)(uid=j(x)))'
    assert substitute(template, username=name, userdn=dn, group_filter=True) == \
        '(&(member=cn=Smith\\, John,ou=people)(uid=j\\28x\\29))'
    assert substitute('(cn=#{groupName})', group_name='admins') == '(cn=admins)'


def test_group_filter_template_omits_empty_parts():
    settings = DirectorySettings({'LDAP_Group_Filter_Enable': True, 'LDAP_Group_Filter_ObjectClass': '',
                                  'LDAP_Group_Filter_Group_Member_Format': '#{userdn}'})
    assert group_filter_template(settings) == '(&(uniqueMember=#{userdn})(cn=ROCKET_CHAT))'
    assert group_filter_template(DirectorySettings({})) is None


@pytest.mark.parametrize('template, batchable', [
    ('(&(cn=#{groupName})(memberUid=#{username}))', ('cn', '#{groupName}')),
    ('(&(member=#{userdn})(memberOf=cn=#{groupName},ou=groups))', ('memberOf', 'cn=#{groupName},ou=groups')),
    # a NOT beside the group's item is part of every group's filter alike: still exact
    ('(&(cn=#{groupName})(!(memberUid=#{username})))', ('cn', '#{groupName}')),
    ('(&(objectClass=x)(&(cn=#{groupName})(memberUid=#{username})))', ('cn', '#{groupName}')),
    ('(!(cn=#{groupName}))', None),
    ('(|(ou=#{groupName})(cn=#{groupName}))', None),
    # under an OR an entry may match every group's filter through the other branch: not exact
    ('(&(|(cn=#{groupName})(ou=all))(memberUid=#{username}))', None),
    ('(memberOf:1.2.840.113556.1.4.1941:=cn=#{groupName},ou=g)', None),
    ('(&(cn=#{groupName}*)(memberUid=#{username}))', None),
    ('(&(cn=#{groupName})(memberUid=#{username})', None),
])
def test_only_exact_filters_are_batched(template, batchable):
    batch = GroupBatch.of(template)
    assert (batch and (batch.attribute, batch.value)) == batchable


@pytest.mark.parametrize('template, expected', [
    ('(&(cn=#{groupName})(memberUid=#{username}))', '(&(memberUid=jo)(|(cn=g1)(cn=g2)))'),
    ('(&(objectClass=groupOfNames)(cn=#{groupName})(member=#{userdn}))',
     '(&(objectClass=groupOfNames)(member=uid=jo\\5c,dc=x)(|(cn=g1)(cn=g2)))'),
    ('(&(objectClass=x)(&(cn=#{groupName})(memberUid=#{username})))', '(&(objectClass=x)(memberUid=jo)(|(cn=g1)(cn=g2)))'),
    ('(cn=#{groupName})', '(|(cn=g1)(cn=g2))'),
])
def test_the_user_part_is_factored_out_of_the_batched_search(template, expected):
    search = GroupBatch.of(template).search_filter(['g1', 'g2'], username='jo', userdn='uid=jo\\,dc=x')
    assert search == expected
    validate_filter(search)


AD_NESTED = 'member:1.2.840.113556.1.4.1941:'


@pytest.mark.parametrize('template, expected', [
    ('(&(cn=#{groupName})(memberUid=#{username}))', '(&(cn=#{groupName})(memberUid=*))'),
    # AD's nested-group rule (LDAP_MATCHING_RULE_IN_CHAIN): an extensible match allows no '*'
    ('(&(objectClass=group)(cn=#{groupName})(%s=#{userdn}))' % AD_NESTED,
     '(&(objectClass=group)(cn=#{groupName})(member=*))'),
    ('(&(cn=#{groupName})(member:dn:2.5.13.1:=#{userdn}))', '(&(cn=#{groupName})(member=*))'),
    # a DN attribute has no substring matching: the whole item becomes a presence test
    ('(&(cn=#{groupName})(member=uid=#{username},ou=people,dc=x))', '(&(cn=#{groupName})(member=*))'),
    ('(&(cn=#{groupName})(|(memberUid=#{username})(!(:2.5.13.1:=#{userdn}))))',
     '(&(cn=#{groupName})(|(memberUid=*)(!(objectClass=*))))'),
    ('(&(objectClass=groupOfNames)(cn=#{groupName}))', '(&(objectClass=groupOfNames)(cn=#{groupName}))'),
])
def test_any_member_turns_each_user_item_into_a_presence_test(template, expected):
    any_member = directory._any_member(template)
    assert any_member == expected
    validate_filter(directory.substitute(any_member, group_name='g1'))


def test_the_ad_nested_group_filter_is_batched_for_the_group_lookup():
    template = directory._any_member('(&(objectClass=group)(cn=#{groupName})(%s=#{userdn}))' % AD_NESTED)
    search = GroupBatch.of(template).search_filter(['g1', 'g2'])
    assert search == '(&(objectClass=group)(member=*)(|(cn=g1)(cn=g2)))'
    validate_filter(search)


def test_any_member_refuses_a_malformed_filter_as_a_filter_problem():
    with pytest.raises(DirectoryError) as failure:
        directory._any_member('(&(cn=#{groupName})(member=#{userdn})')
    assert failure.value.stage == 'filter'


def test_the_filter_parser_is_imported_from_reconcile_not_re_exported_here():
    assert 'validate_filter' not in vars(directory)


def entry(**attributes):
    return Entry('uid=jdoe,ou=people,dc=example,dc=org',
                 dict((name, [v.encode('utf-8') if isinstance(v, str) else v for v in values])
                      for name, values in attributes.items()))


OPENLDAP = {'LDAP_Server_Type': ''}


def test_mapping_of_a_plain_user():
    mapped = map_user(entry(uid=['JDoe'], mail=['jdoe@example.org'], cn=['John Doe'], uidNumber=['1001']),
                      DirectorySettings(OPENLDAP))
    assert mapped['username'] == 'jdoe'  # slugified: lower case
    assert mapped['email'] == 'jdoe@example.org'
    assert mapped['name'] == 'John Doe'
    assert (mapped['unique_id_attribute'], mapped['unique_id']) == ('uidNumber', b'1001'.hex())


def test_username_and_name_templates():
    settings = DirectorySettings(dict(OPENLDAP, LDAP_Username_Field='#{givenName}.#{sn}',
                                      LDAP_Name_Field='#{sn}, #{givenName}'))
    mapped = map_user(entry(givenName=['Zoë'], sn=['Zimmermann'], mail=['z@example.org']), settings)
    assert mapped['username'] == 'zoe.zimmermann'
    assert mapped['name'] == 'Zimmermann, Zoë'


@pytest.mark.parametrize('attributes, settings, email, source', [
    ({'mail': ['no-at-sign', 'a@x']}, {}, 'a@x', 'mail'),
    ({'mail': ['no-at-sign']}, {}, None, None),
    ({}, {'LDAP_Default_Domain': 'example.net'}, 'jdoe@example.net', 'LDAP_Default_Domain'),
    # only the first e-mail attribute present counts; then the single mail value is the fallback
    ({'userPrincipalName': ['jdoe'], 'mail': ['j@x']}, {'LDAP_Email_Field': 'userPrincipalName,mail'}, 'j@x', 'mail'),
    ({'mail': ['a@x', 'b@x'], 'otherMail': ['c']}, {'LDAP_Email_Field': 'otherMail'}, None, None),
])
def test_email_rules(attributes, settings, email, source):
    values = dict(OPENLDAP, **settings)
    mapped = map_user(entry(uid=['jdoe'], **attributes), DirectorySettings(values))
    assert (mapped['email'], mapped['email_source']) == (email, source)


def test_binary_unique_id_is_hex():
    guid = bytes(range(16))
    mapped = map_user(entry(sAMAccountName=['jdoe'], objectGUID=[guid], mail=['j@x']), DirectorySettings({}))
    assert (mapped['unique_id_attribute'], mapped['unique_id']) == ('objectGUID', guid.hex())


def test_slug():
    # What the real limax 3.0.0 gives (tests/data/limax-corpus.json; test_limax.py checks the whole corpus).
    assert slugify_username('Jean-Luc Picard') == 'jean-luc.picard'
    assert slugify_username('ÅsaÖberg') == 'asaoeberg'
    assert slugify_username('Jørgen Straße') == 'jorgen.strasse'
    assert slugify_username('Иван Петров') == 'ivan.petrov'


@pytest.mark.parametrize('attributes, reason', [
    ({}, None),
    ({'pwdAccountLockedTime': ['000001010000Z']}, 'pwdAccountLockedTime'),
    ({'loginDisabled': ['FALSE']}, 'loginDisabled'),  # any value counts, as on the server
    ({'orclIsEnabled': ['DISABLED']}, 'orclIsEnabled'),
    ({'orclIsEnabled': ['ENABLED']}, None),
    ({'userAccountControl': ['514']}, 'userAccountControl'),
    ({'userAccountControl': ['512']}, None),
    ({'lockoutTime': ['0']}, None),
    ({'lockoutTime': ['133000000000000000']}, 'lockoutTime'),
    ({'lockoutTime': ['1000'], 'lockoutDuration': ['1']}, None),  # expired long ago
])
def test_disabled_rules(attributes, reason):
    found = disabled_reason(entry(**attributes))
    assert (found is None) if reason is None else (reason in found)
