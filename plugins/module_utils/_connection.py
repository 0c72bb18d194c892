# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options, declared once: the argument spec (with environment fallbacks) every
module merges in, and the client built from them. Documented by the doc fragment
``chatops.rocketchat.connection``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.chatops.rocketchat.plugins.module_utils._client import RocketChatClient

CONNECTION_ARGSPEC = dict(
    api_url=dict(type='str', required=True, fallback=(env_fallback, ['ROCKETCHAT_URL'])),
    api_user_id=dict(type='str', fallback=(env_fallback, ['ROCKETCHAT_USER_ID'])),
    api_token=dict(type='str', no_log=True, fallback=(env_fallback, ['ROCKETCHAT_AUTH_TOKEN'])),
    api_username=dict(type='str', fallback=(env_fallback, ['ROCKETCHAT_USERNAME'])),
    api_password=dict(type='str', no_log=True, fallback=(env_fallback, ['ROCKETCHAT_PASSWORD'])),
    api_totp_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['ROCKETCHAT_TOTP_SECRET'])),
    api_totp_code=dict(type='str', no_log=True),
    validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['ROCKETCHAT_VALIDATE_CERTS'])),
    ca_path=dict(type='path', fallback=(env_fallback, ['ROCKETCHAT_CA_PATH'])),
    timeout=dict(type='int', default=30),
    max_retry_wait=dict(type='int', default=60),
)

# api_password may come with api_user_id/api_token: the token authenticates and the password only
# answers the server's password-fallback second factor, which a token alone cannot answer.
CONNECTION_MUTUALLY_EXCLUSIVE = [
    ('api_user_id', 'api_username'),
    ('api_totp_secret', 'api_totp_code'),
]
CONNECTION_REQUIRED_TOGETHER = [
    ('api_user_id', 'api_token'),
]
CONNECTION_REQUIRED_BY = {
    'api_username': 'api_password',
}
CONNECTION_REQUIRED_ONE_OF = [
    ('api_token', 'api_username'),
]


def url_credentials(url):
    """The (user, password) written into ``url`` (``https://user:password@host``), or None."""
    try:
        parts = urlsplit(url or '')
        user, password = parts.username, parts.password
    except ValueError:  # a malformed URL is the client's to report
        return None
    return None if user is None and password is None else (user, password)


def refuse_credentials_in_url(module):
    """Fail on an ``api_url`` with credentials, without echoing it. The URL (with its password) is
    also masked: ``run_module`` declares the option ``no_log`` when the task gives such a URL, so that
    Ansible's own checks, which may fail first, do not show it either."""
    url = module.params.get('api_url')
    credentials = url_credentials(url)
    if credentials is None:
        return
    for secret in (credentials[1], url):
        if secret:
            module.no_log_values.add(secret)
    module.fail_json(msg='api_url: holds credentials (user:password@ before the host), which would show in '
                         'messages and logs; accepted: the URL alone, with the credentials in api_username and '
                         'api_password, or api_user_id and api_token')


def client_from_module(module):
    """A ``RocketChatClient`` for ``module``'s connection options, in its check mode, warning through it.

    Warns, as the directory checks do for plain LDAP, when the connection to the workspace is not
    protected: certificate checks off, or plain HTTP (the token and password travel in clear).
    """
    params = module.params
    for option, least, accepted in (('timeout', 1, 'a positive number of seconds'),
                                    ('max_retry_wait', 0, '0 (no retries) or a positive number of seconds')):
        if params[option] is not None and params[option] < least:
            module.fail_json(msg='%s: %d is out of range; accepted: %s' % (option, params[option], accepted))
    if not params['validate_certs']:
        module.warn('validate_certs=false: the workspace\'s certificate is not checked, so anyone on the way can '
                    'read the token and password; give the CA in ca_path instead')
    if (params['api_url'] or '').lower().startswith('http://'):
        module.warn('api_url uses plain HTTP: the token and password travel unencrypted')
    return RocketChatClient(
        params['api_url'],
        user_id=params['api_user_id'],
        token=params['api_token'],
        username=params['api_username'],
        password=params['api_password'],
        totp_secret=params['api_totp_secret'],
        totp_code=params['api_totp_code'],
        validate_certs=params['validate_certs'],
        ca_path=params['ca_path'],
        timeout=params['timeout'],
        max_retry_wait=params['max_retry_wait'],
        check_mode=module.check_mode,
        warn=module.warn,
    )
