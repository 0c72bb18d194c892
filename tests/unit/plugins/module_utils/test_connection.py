"""connection: which combinations of credentials the connection rules accept."""
import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.chatops.rocketchat.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, CONNECTION_MUTUALLY_EXCLUSIVE, CONNECTION_REQUIRED_BY, CONNECTION_REQUIRED_ONE_OF,
    CONNECTION_REQUIRED_TOGETHER,
)

URL = 'https://chat.example.org'


def errors(**params):
    validator = ArgumentSpecValidator(CONNECTION_ARGSPEC, mutually_exclusive=CONNECTION_MUTUALLY_EXCLUSIVE,
                                      required_together=CONNECTION_REQUIRED_TOGETHER,
                                      required_one_of=CONNECTION_REQUIRED_ONE_OF, required_by=CONNECTION_REQUIRED_BY)
    return [str(error) for error in validator.validate(dict(params, api_url=URL)).errors]


@pytest.mark.parametrize('params', [
    dict(api_user_id='u', api_token='t'),
    dict(api_username='admin', api_password='p'),
    # The token authenticates; the password only answers the password-fallback second factor.
    dict(api_user_id='u', api_token='t', api_password='p'),
    dict(api_user_id='u', api_token='t', api_password='p', api_totp_secret='JBSWY3DPEHPK3PXP'),
])
def test_accepted_credentials(params):
    assert errors(**params) == []


@pytest.mark.parametrize('params, problem', [
    (dict(api_user_id='u', api_username='admin', api_token='t', api_password='p'), 'mutually exclusive'),
    (dict(api_password='p'), 'one of the following is required: api_token, api_username'),
    (dict(api_username='admin'), 'missing parameter(s) required by \'api_username\': api_password'),
    (dict(api_token='t'), 'parameters are required together: api_user_id, api_token'),
    (dict(api_user_id='u', api_token='t', api_totp_secret='S', api_totp_code='123456'), 'mutually exclusive'),
])
def test_refused_credentials(params, problem):
    assert any(problem in error for error in errors(**params)), errors(**params)
