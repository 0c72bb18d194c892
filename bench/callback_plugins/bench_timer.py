# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark callback (bench/ only, not shipped): one JSON line per task and host in $BENCH_TIMER_FILE:
``{"host", "task", "action", "status" (ok|changed|failed|skipped|unreachable), "seconds"}``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
name: bench_timer
type: aggregate
short_description: per-task timings for the benchmarks in bench/
description: Writes one JSON line per task and host to the file named by BENCH_TIMER_FILE.
requirements: [enable in configuration]
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._started = {}
        path = os.environ.get('BENCH_TIMER_FILE')
        self._out = open(path, 'a') if path else None

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.perf_counter()

    def _done(self, result, status):
        key = (result._host.get_name(), result._task._uuid)
        started = self._started.pop(key, None)
        if self._out is None or started is None:
            return
        if status == 'ok' and result._result.get('changed'):
            status = 'changed'
        self._out.write(json.dumps({'host': key[0], 'task': result._task.get_name(), 'action': result._task.action,
                                    'status': status, 'seconds': time.perf_counter() - started}) + '\n')
        self._out.flush()

    def v2_runner_on_ok(self, result):
        self._done(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._done(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._done(result, 'unreachable')
