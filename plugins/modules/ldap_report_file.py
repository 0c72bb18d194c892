#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ldap_report_file
short_description: Write a report file on the controller, without a module process
version_added: 0.1.0
description:
  - Writes O(content) to O(path) on the machine that runs Ansible, whatever the task's host or C(delegate_to)
    (an action plugin, which runs in the controller). The file is replaced at once (a new file renamed over the old
    one), so a reader never sees half of it.
  - The role C(chatops.rocketchat.ldap) writes its report with it. C(ansible.builtin.copy) would do the same with two
    module processes (C(stat), then C(copy)), about as long as managing one workspace.
  - Reports C(changed) when the content or the mode differ from the file's.
  - With O(publish_as), the same task also publishes the report as C(ansible.builtin.set_stats) would (for the
    whole run, aggregated), in check mode too; AWX and AAP keep a job's stats and throw its working directory
    away. One task instead of two, and a templated O(content) is rendered once.
author:
  - chatops.rocketchat contributors (@chatops-rocketchat)
options:
  path:
    description: The file to write on the controller; its directory must exist.
    type: path
    required: true
  content:
    description: The text to write (UTF-8).
    type: str
    required: true
  mode:
    description: The file's permissions, as an octal string.
    type: str
    default: '0644'
  publish_as:
    description:
      - Also publish the report with set_stats under this key, as a dictionary of O(publish_data), C(path) (the file
        written, an absolute path) and C(markdown) (O(content)).
      - Shown at the end of the run with C(ANSIBLE_SHOW_CUSTOM_STATS=true); AWX and AAP keep it as the job's
        artifacts.
    type: str
  publish_data:
    description: More keys of the published dictionary; only with O(publish_as).
    type: dict
attributes:
  check_mode:
    description: Can run in check mode and report what would change without changing it.
    support: full
    details: In check mode the file is not written (the role's report task sets C(check_mode=false) to write it anyway).
  diff_mode:
    description: Would return details on what has changed in diff mode.
    support: none
notes:
  - Not in the action group C(chatops.rocketchat.rocketchat), since it takes no connection options.
'''

EXAMPLES = r'''
- name: Keep the run's report next to the playbook
  chatops.rocketchat.ldap_report_file:
    path: "{{ playbook_dir }}/rocketchat-ldap-report.md"
    content: "{{ report_markdown }}"
    mode: "0600"

- name: Write it and publish it with set_stats, for AWX and AAP (one task)
  chatops.rocketchat.ldap_report_file:
    path: "{{ playbook_dir }}/rocketchat-ldap-report.md"
    content: "{{ report_markdown }}"
    publish_as: rocketchat_report
    publish_data:
      outcome: "{{ report_outcome }}"
'''

RETURN = r'''
path:
  description: The file written (an absolute path).
  returned: always
  type: str
  sample: /home/ops/rocketchat-ldap-report.md
'''
