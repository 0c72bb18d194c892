# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the role's report to a file on the controller, in the controller: ``ansible.builtin.copy`` would start
two module processes (``stat``, then ``copy``) for one local file, half of a one-workspace run's time. The same
task publishes the report with set_stats (``ansible_stats`` in its result, as ``ansible.builtin.set_stats``
returns it), so that the report is rendered once and costs one task."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible.plugins.action import ActionBase

ARGUMENT_SPEC = dict(
    path=dict(type='path', required=True),
    content=dict(type='str', required=True),
    mode=dict(type='str', default='0644'),
    publish_as=dict(type='str'),
    publish_data=dict(type='dict'),
)


def _mode(text):
    try:
        mode = int(text, 8)
    except (TypeError, ValueError):
        mode = -1
    if not 0 <= mode <= 0o7777:
        raise AnsibleActionFail('mode: %r is not a file mode; accepted: an octal string such as "0644"' % (text,))
    return mode


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        path = os.path.abspath(os.path.expanduser(args['path']))
        content = to_bytes(args['content'], errors='surrogate_or_strict')
        mode = _mode(args['mode'])
        if args['publish_data'] is not None and not args['publish_as']:
            raise AnsibleActionFail('publish_data: only with publish_as (the set_stats key to publish under)')
        try:
            with open(path, 'rb') as handle:
                current = handle.read()
            current_mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            current, current_mode = None, None
        except OSError as exc:
            raise AnsibleActionFail('path: cannot read %s: %s' % (path, to_native(exc)))
        changed = current != content or current_mode != mode
        result.update(changed=changed, path=path)
        if not changed or self._task.check_mode:
            return self._published(result, args, path)
        directory = os.path.dirname(path)
        try:
            # a new file beside the old one, renamed over it: a reader never sees half a report
            handle, temporary = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path))
            try:
                with os.fdopen(handle, 'wb') as out:
                    out.write(content)
                os.chmod(temporary, mode)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError as exc:
            raise AnsibleActionFail('path: cannot write %s: %s' % (path, to_native(exc)))
        return self._published(result, args, path)

    @staticmethod
    def _published(result, args, path):
        """The result with what ansible.builtin.set_stats would publish (data for the whole run, aggregated)."""
        if args['publish_as']:
            data = dict(args['publish_data'] or {}, path=path, markdown=args['content'])
            result['ansible_stats'] = dict(data={args['publish_as']: data}, per_host=False, aggregate=True)
        return result
