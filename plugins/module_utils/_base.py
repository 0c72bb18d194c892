# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run loop every module shares: options, client, one call into the module's logic,
errors to ``fail_json``, and logout whatever happened."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule, _load_params, missing_required_lib

from ansible_collections.chatops.rocketchat.plugins.module_utils._catalog import is_secret
from ansible_collections.chatops.rocketchat.plugins.module_utils._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure, RocketChatError
from ansible_collections.chatops.rocketchat.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, CONNECTION_MUTUALLY_EXCLUSIVE, CONNECTION_REQUIRED_BY, CONNECTION_REQUIRED_ONE_OF,
    CONNECTION_REQUIRED_TOGETHER, client_from_module, refuse_credentials_in_url, url_credentials,
)


# A private key pasted anywhere (a CA certificate field): from its BEGIN line to its END line, or to the end.
_PRIVATE_KEY = re.compile(r'-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----.*?(?:-----END \1-----|$)', re.S)


def pasted_secrets(arguments):
    """The secrets given where no option is ``no_log``: every private-key PEM block in any text, and the value
    of each password-type setting id in a raw ``settings`` map (which the modules refuse). Ansible then masks
    them in every result, message and the ``invocation`` it reports."""
    found = set()
    pending = [arguments]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            settings = value.get('settings')
            if isinstance(settings, dict):
                found.update(str(item) for key, item in settings.items()
                             if isinstance(key, str) and is_secret(key) and item not in (None, ''))
            pending.extend(value.values())
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
        elif isinstance(value, str):
            found.update(match.group(0) for match in _PRIVATE_KEY.finditer(value))
    return found


class _Module(AnsibleModule):
    """An AnsibleModule that hides ``pasted_secrets`` of the task's raw arguments in whatever it returns,
    also when Ansible's own argument checks fail first, and logs an argument holding a NUL."""

    def __init__(self, pasted, *args, **kwargs):
        self._pasted = pasted
        super(_Module, self).__init__(*args, **kwargs)

    def _hide_pasted(self):
        if not hasattr(self, 'no_log_values'):
            self.no_log_values = set()
        self.no_log_values.update(self._pasted)

    def log(self, msg, log_args=None):
        # Ansible logs the arguments to syslog, which refuses a NUL: the module then failed saying only
        # "Failed to log to syslog", before its own checks could name the option holding it.
        def escaped(text):
            return text.replace('\x00', '\\x00') if isinstance(text, str) else text
        if log_args:
            log_args = dict((key, escaped(value)) for key, value in log_args.items())
        super(_Module, self).log(escaped(msg), log_args=log_args)

    def exit_json(self, **kwargs):
        self._hide_pasted()
        super(_Module, self).exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        self._hide_pasted()
        super(_Module, self).fail_json(msg, **kwargs)


def run_module(argument_spec, run, requirements=(), connection='required', **module_kwargs):
    """Build the AnsibleModule, a client, call ``run(module, client)`` and exit with its result.

    ``argument_spec`` holds the module's own options (the connection options are added);
    ``module_kwargs`` go to AnsibleModule (``supports_check_mode`` defaults to True;
    ``mutually_exclusive``/``required_together``/``required_one_of``/``required_by`` are merged with
    the connection rules). ``requirements`` lists extra Python libraries as ``(name, has_it, import_traceback)``.
    ``connection='optional'`` is for modules that talk to Rocket.Chat only for some inputs: the
    connection options may then be left out, ``client`` is None unless ``api_url`` and a credential
    are given, and the module calls ``require_client`` where it needs one.
    ``run`` returns the result dict (with ``changed``); it raises ``ModuleFailure`` or lets
    ``RocketChatError`` through to fail. The client logs out before the module exits.
    """
    optional = connection == 'optional'
    spec = dict(CONNECTION_ARGSPEC)
    if optional:
        spec['api_url'] = dict(spec['api_url'], required=False)
    arguments = _task_arguments()
    if url_credentials(arguments.get('api_url') or os.environ.get('ROCKETCHAT_URL')):
        # a URL with a password: hidden from the invocation Ansible reports, also when one of its own
        # argument checks fails before the module refuses the URL
        spec['api_url'] = dict(spec['api_url'], no_log=True)
    spec.update(argument_spec)
    module_kwargs.setdefault('supports_check_mode', True)
    module_kwargs['mutually_exclusive'] = CONNECTION_MUTUALLY_EXCLUSIVE + list(module_kwargs.get('mutually_exclusive') or [])
    module_kwargs['required_together'] = CONNECTION_REQUIRED_TOGETHER + list(module_kwargs.get('required_together') or [])
    module_kwargs['required_one_of'] = ([] if optional else CONNECTION_REQUIRED_ONE_OF) + \
        list(module_kwargs.get('required_one_of') or [])
    module_kwargs['required_by'] = dict(CONNECTION_REQUIRED_BY, **(module_kwargs.get('required_by') or {}))
    module = _Module(pasted_secrets(arguments), argument_spec=spec, **module_kwargs)
    refuse_credentials_in_url(module)

    for name, has_it, import_error in (('requests', HAS_REQUESTS, REQUESTS_IMPORT_ERROR),) + tuple(requirements):
        if not has_it:
            module.fail_json(msg=missing_required_lib(name), exception=import_error)

    failure = None
    result = None
    client = None
    try:
        if not optional or connection_given(module.params):
            client = client_from_module(module)
        result = run(module, client)
    except ModuleFailure as exc:
        failure = dict(exc.extra, msg=exc.msg)
    except RocketChatError as exc:
        failure = dict(exc.to_result(), msg=str(exc))
    finally:
        if client is not None:
            client.close()
    if failure is not None:
        module.fail_json(**failure)
    module.exit_json(**result)


def _task_arguments():
    """The task's raw arguments when running as a module (the buffer AnsiballZ hands over), else {}:
    sanity's argument-spec introspection imports the module with no arguments to read."""
    if getattr(basic, '_ANSIBLE_ARGS', None) is None:
        return {}
    return _load_params()


def connection_given(params):
    """Whether the connection options name a workspace and a credential."""
    return bool(params.get('api_url')) and any(params.get(name) for names in CONNECTION_REQUIRED_ONE_OF
                                               for name in names)


def require_client(client, purpose):
    """``client``, or a ``ModuleFailure`` saying that ``purpose`` needs the connection options."""
    if client is None:
        raise ModuleFailure('%s needs a Rocket.Chat connection: set api_url and api_user_id/api_token or '
                            'api_username/api_password (or ROCKETCHAT_URL and the other ROCKETCHAT_* environment '
                            'variables)' % purpose, invalid=['api_url'])
    return client
