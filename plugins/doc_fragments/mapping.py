# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


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
