# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark prototype (bench/ only, not shipped): a controller-side action that GETs ``url`` with the
standard library and returns the JSON, without starting a module process. It measures what the
"action plugins for the REST work" design would cost per task against ``ansible.builtin.uri``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.urls import open_url
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        reply = open_url(self._task.args['url'], method='GET', timeout=30)
        result.update(changed=False, json=json.loads(reply.read()), status=reply.getcode())
        return result
