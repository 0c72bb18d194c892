"""The mapping modules' `ldap_settings` option documents, as its suboptions, exactly the options of the
ldap_settings_options fragment (indented, O(...) re-pointed under ldap_settings). ansible-test wants
doc fragments as string literals, so the text is written out twice; this test keeps them equal."""

import re

from ansible_collections.chatops.rocketchat.plugins.doc_fragments.ldap_settings_options import (
    ModuleDocFragment as LdapSettingsOptions,
)
from ansible_collections.chatops.rocketchat.plugins.doc_fragments.mapping import ModuleDocFragment as Mapping


def as_suboptions(fragment, option, indent):
    """The options of `fragment` as suboptions of `option`: indented, with O(...) references prefixed."""
    body = fragment.split('\noptions:\n', 1)[1]
    body = re.sub(r'O\((?![\w.]+#)', 'O(%s.' % option, body)
    return ''.join(' ' * indent + line if line.strip() else line for line in body.splitlines(True))


def test_the_ldap_settings_suboptions_are_the_ldap_settings_options_fragment():
    generated = as_suboptions(LdapSettingsOptions.DOCUMENTATION, 'ldap_settings', 4)
    assert Mapping.LDAP_SETTINGS.endswith(generated)
    head = Mapping.LDAP_SETTINGS[:-len(generated)]
    assert head.rstrip().endswith('type: dict')  # the 'settings' suboption, written by hand, comes last
