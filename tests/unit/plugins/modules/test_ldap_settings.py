"""ldap_settings / ldap_settings_info: documentation agrees with the argument spec; option assembly."""
import importlib

import pytest
import yaml

from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure
from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import ldap_settings_argument_spec
from ansible_collections.chatops.rocketchat.plugins.module_utils._connection import CONNECTION_ARGSPEC
from ansible_collections.chatops.rocketchat.plugins.module_utils._settings_api import Snapshot, desired_settings
from ansible_collections.chatops.rocketchat.plugins.modules import ldap_check, ldap_settings, ldap_settings_info


def documented(options):
    return dict((name, (doc.get('type', 'str'), doc.get('choices'), documented(doc.get('suboptions') or {})))
                for name, doc in options.items())


def specified(spec):
    return dict((name, (opt.get('type', 'str'), opt.get('choices'), specified(opt.get('options') or {})))
                for name, opt in spec.items())


def fragment_options(name):
    """The options of a ``chatops.rocketchat.<fragment>[.<VARIABLE>]`` doc fragment."""
    parts = name.split('.')[2:]
    fragments = importlib.import_module('ansible_collections.chatops.rocketchat.plugins.doc_fragments.' + parts[0])
    text = getattr(fragments.ModuleDocFragment, parts[1] if len(parts) > 1 else 'DOCUMENTATION')
    return yaml.safe_load(text).get('options') or {}


def module_options(module):
    """A module's documented options with its doc fragments merged, as ansible-doc shows them."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = {}
    for name in doc.get('extends_documentation_fragment') or []:
        options.update(fragment_options(name))
    for name, option in (doc.get('options') or {}).items():
        options[name] = dict(options.get(name) or {}, **option)  # the module's own keys win, as in ansible-doc
    return options


@pytest.mark.parametrize('module', [ldap_settings, ldap_check], ids=lambda module: module.__name__.split('.')[-1])
def test_the_docs_match_the_argument_spec_with_types_and_choices(module):
    spec = dict(CONNECTION_ARGSPEC, **module.argument_spec())
    assert documented(module_options(module)) == specified(spec)


def test_the_typed_options_are_documented_once_in_their_fragment():
    for module in (ldap_settings, ldap_check):
        doc = yaml.safe_load(module.DOCUMENTATION)
        assert 'chatops.rocketchat.ldap_settings_options' in doc['extends_documentation_fragment']
        assert not set(doc['options']) & set(ldap_settings_argument_spec())


def test_connection_fragment_documents_the_connection_argspec():
    assert documented(fragment_options('chatops.rocketchat.connection')) == specified(CONNECTION_ARGSPEC)


def test_info_module_docs_parse():
    for text in (ldap_settings_info.DOCUMENTATION, ldap_settings_info.EXAMPLES, ldap_settings_info.RETURN,
                 ldap_settings.EXAMPLES, ldap_settings.RETURN):
        assert yaml.safe_load(text)


def params(**given):
    base = dict((name, None) for name in ldap_settings.argument_spec())
    base.update(reset_unspecified=False, bind_password_update='always')
    base.update(given)
    return base


def snapshot(server_type):
    return Snapshot({'LDAP_Server_Type': server_type}, {}, frozenset(), (8, 8, 1))


def test_typed_options_and_raw_settings_merge_with_option_names():
    desired, names = desired_settings(
        params(connection={'host': 'h', 'port': None}, settings={'LDAP_Search_Page_Size': 500}), snapshot(''))
    assert desired == {'LDAP_Host': 'h', 'LDAP_Search_Page_Size': 500}
    assert names == {'LDAP_Host': 'connection.host', 'LDAP_Search_Page_Size': 'settings.LDAP_Search_Page_Size'}


def test_the_same_id_from_an_option_and_the_raw_map_is_refused():
    with pytest.raises(ModuleFailure) as err:
        desired_settings(params(user_search={'search_field': 'uid'},
                                              settings={'LDAP_AD_User_Search_Field': 'cn'}), snapshot('ad'))
    assert 'settings.LDAP_AD_User_Search_Field: already set by the option user_search.search_field' in err.value.msg


def test_the_bind_password_is_refused_in_the_raw_map():
    with pytest.raises(ModuleFailure) as err:
        desired_settings(params(settings={'LDAP_Authentication_Password': 'pw-in-clear'}),
                                       snapshot(''))
    assert 'authentication.bind_password' in err.value.msg and 'pw-in-clear' not in err.value.msg


def test_ldap_check_also_refuses_the_bind_password_in_the_raw_map():
    check_params = dict((name, None) for name in ldap_check.argument_spec())
    check_params.update(settings={'LDAP_Authentication_Password': 'pw-in-clear'})
    with pytest.raises(ModuleFailure) as err:
        ldap_check.given_settings(check_params, '')
    assert 'authentication.bind_password' in err.value.msg and 'pw-in-clear' not in err.value.msg
    assert err.value.extra['invalid'] == ['settings.LDAP_Authentication_Password']
    check_params.update(settings=None, authentication={'bind_password': 'pw-from-no-log-option'})
    assert ldap_check.given_settings(check_params, '') == {'LDAP_Authentication_Password': 'pw-from-no-log-option'}


@pytest.mark.parametrize('given, option, accepted', [
    ({'connection': {'port': 70000}}, 'connection.port', 'a TCP port from 1 to 65535'),
    ({'connection': {'host': 'ldaps://ldap.example.org'}}, 'connection.host', 'a host name or IP address'),
    ({'user_search': {'page_size': -1}}, 'user_search.page_size', '0 (no limit) or a positive integer'),
    ({'connection': {'ca_cert': 'not a certificate'}}, 'connection.ca_cert', None),
])
def test_ldap_check_validates_its_typed_options_as_ldap_settings_does(given, option, accepted):
    check_params = dict((name, None) for name in ldap_check.argument_spec())
    check_params.update(given)
    with pytest.raises(ModuleFailure) as err:
        ldap_check.given_settings(check_params, '')
    assert err.value.msg.startswith(option + ':') and err.value.extra['invalid'] == [option]
    if accepted:
        assert accepted in err.value.msg
