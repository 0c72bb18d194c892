"""The action plugin ldap_report_file validates its options itself (no AnsibleModule, so validate-modules cannot
compare them with the documentation stub): its ARGUMENT_SPEC and the stub's DOCUMENTATION name the same options,
types, defaults and required flags."""
import yaml

from ansible_collections.chatops.rocketchat.plugins.action import ldap_report_file as action
from ansible_collections.chatops.rocketchat.plugins.modules import ldap_report_file as stub


def test_the_action_checks_exactly_the_documented_options():
    documented = yaml.safe_load(stub.DOCUMENTATION)['options']
    assert sorted(documented) == sorted(action.ARGUMENT_SPEC)
    for name, spec in action.ARGUMENT_SPEC.items():
        doc = documented[name]
        assert doc['type'] == spec['type'], name
        assert doc.get('default') == spec.get('default'), name
        assert bool(doc.get('required')) == bool(spec.get('required')), name
