"""One type for ``summary`` across the modules (issue #15, part 5): wherever a module returns ``summary``, its
RETURN documents a dict of counts (int values), and ldap_sync's names exactly what _sync_report.summarize
gives."""
import importlib
import pathlib

import yaml

from ansible_collections.chatops.rocketchat.plugins.module_utils._sync_report import SUMMARY_KEYS

MODULES = pathlib.Path(__file__).resolve().parents[4] / 'plugins' / 'modules'


def _returns():
    """{module name: its RETURN, parsed}."""
    returns = {}
    for path in sorted(MODULES.glob('*.py')):
        if path.name == '__init__.py':
            continue
        module = importlib.import_module('ansible_collections.chatops.rocketchat.plugins.modules.' + path.stem)
        returns[path.stem] = yaml.safe_load(module.RETURN) or {}
    return returns


def _summaries(doc, where=''):
    """(where, the documented value) of every key named summary, at any depth of a RETURN."""
    found = []
    for key, value in (doc or {}).items():
        if not isinstance(value, dict):
            continue
        if key == 'summary':
            found.append((where + key, value))
        found.extend(_summaries(value.get('contains'), where + key + '.'))
    return found


def test_every_module_that_returns_a_summary_returns_a_dict_of_counts():
    summaries = dict(('%s: %s' % (name, where), value)
                     for name, doc in _returns().items() for where, value in _summaries(doc))
    assert {'ldap_check: summary', 'ldap_sync: summary'} <= set(summaries)
    for where, value in summaries.items():
        assert value['type'] == 'dict', where
        assert value['sample'] and all(type(count) is int for count in value['sample'].values()), where
        for key, item in (value.get('contains') or {}).items():
            assert item['type'] == 'int', '%s.%s' % (where, key)


def test_ldap_sync_documents_the_keys_summarize_returns():
    doc = _returns()['ldap_sync']
    contains = doc['summary']['contains']
    assert set(contains) == set(SUMMARY_KEYS) | {'skipped'}
    assert set(doc['summary']['sample']) == set(contains)
    assert 'report_skipped' in contains['skipped']['returned']
    assert doc['msg']['type'] == 'str'
