"""The role's sync variables against ldap_sync's options: each variable is declared (meta/argument_specs.yml) with
the type of the option it feeds, has a default (defaults/main.yml), and the sync task (tasks/sync.yml) passes it;
ldap_sync_timeout null is left out, so the module's own default applies (a null sync_timeout would reach it)."""

import pathlib

import pytest
import yaml

from ansible_collections.chatops.rocketchat.plugins.modules import ldap_sync

ROLE = pathlib.Path(__file__).resolve().parents[3] / 'roles' / 'ldap'
# role variable -> ldap_sync option
VARIABLES = {'ldap_sync_ensure_background_sync': 'ensure_background_sync', 'ldap_sync_timeout': 'sync_timeout'}


def _yaml(name):
    return yaml.safe_load((ROLE / name).read_text(encoding='utf-8'))


def _sync_task():
    tasks = [task for task in _yaml('tasks/sync.yml') if 'chatops.rocketchat.ldap_sync' in task]
    assert len(tasks) == 1
    return tasks[0]['chatops.rocketchat.ldap_sync']


@pytest.mark.parametrize('variable, option', sorted(VARIABLES.items()))
def test_each_sync_variable_is_declared_like_its_option_defaulted_and_passed(variable, option):
    module_option = yaml.safe_load(ldap_sync.DOCUMENTATION)['options'][option]
    declared = _yaml('meta/argument_specs.yml')['argument_specs']['main']['options'][variable]
    assert declared['type'] == module_option['type']
    assert variable in _yaml('defaults/main.yml')
    assert variable in _sync_task()[option]
    if 'default' in declared:
        assert declared['default'] == _yaml('defaults/main.yml')[variable] == module_option['default']


def test_sync_timeout_null_is_not_passed_and_the_module_default_is_named():
    assert _yaml('defaults/main.yml')['ldap_sync_timeout'] is None
    assert _sync_task()['sync_timeout'] == '{{ ldap_sync_timeout if ldap_sync_timeout is not none else omit }}'
    declared = _yaml('meta/argument_specs.yml')['argument_specs']['main']['options']['ldap_sync_timeout']
    default = yaml.safe_load(ldap_sync.DOCUMENTATION)['options']['sync_timeout']['default']
    assert 'default' not in declared and 'V(%d)' % default in ' '.join(declared['description'])
