# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.chatops.rocketchat.plugins.doc_fragments.ldap_settings_options import (
    ModuleDocFragment as _LdapSettingsOptions,
)


def _as_suboptions(fragment, option, indent):
    """The options of ``fragment`` as suboptions of ``option``: indented, with O(...) references prefixed."""
    body = fragment.split('\noptions:\n', 1)[1]
    body = re.sub(r'O\((?![\w.]+#)', 'O(%s.' % option, body)
    return ''.join(' ' * indent + line if line.strip() else line for line in body.splitlines(True))


class ModuleDocFragment(object):
    """How the group mapping modules (roles, channels, teams) combine the listed mappings with the stored map."""

    DOCUMENTATION = r'''
options:
  state:
    description:
      - V(present) adds or updates the listed mappings, V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With V(true), groups that are not listed in O(mappings) are removed from the map.
      - Only with O(state=present).
    type: bool
    default: false
  allow_empty:
    description:
      - Allow O(exclusive=true) with no O(mappings) to empty a map that has groups.
    type: bool
    default: false
'''

    # The candidate LDAP settings: the options of chatops.rocketchat.ldap_settings that describe settings,
    # with the one description of them in the ldap_settings_options fragment.
    LDAP_SETTINGS = r'''
options:
  ldap_settings:
    description:
      - The candidate LDAP settings of the same run, for previews that check what Git says rather than what
        the workspace has saved so far. Give the same value as to M(chatops.rocketchat.ldap_settings), whose
        options that describe settings it takes (one variable feeds both tasks); its other options, such as
        C(reset_unspecified), are not accepted here.
      - With O(validate_groups=true), the directory is searched with these settings on top of the saved ones
        (host, port, encryption, CA, service bind and password, base DN, ...), also in check mode. So the first
        merge-request preview of a new workspace works, and a wrong bind password in Git fails the preview.
      - The checks that read other LDAP settings (LDAP enabled, the user base DN a team base DN falls back to)
        read them here first.
      - Nothing of it is written by this module. The bind password is never shown.
    type: dict
    version_added: 1.0.0
    suboptions:
      settings:
        description:
          - Raw setting ids and values, as O(chatops.rocketchat.ldap_settings#module:settings) takes them (only
            ids that module manages; no bind password).
        type: dict
''' + _as_suboptions(_LdapSettingsOptions.DOCUMENTATION, 'ldap_settings', 4)
