"""base: when a module that may run without Rocket.Chat gets a client, and the error when it needs one."""
import pytest

from ansible_collections.chatops.rocketchat.plugins.module_utils._base import connection_given, require_client
from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import ModuleFailure


@pytest.mark.parametrize('params, given', [
    ({}, False),
    ({'api_url': 'https://chat.example.org'}, False),  # no credential: nothing to log in with
    ({'api_token': 't', 'api_user_id': 'u'}, False),
    ({'api_url': 'https://chat.example.org', 'api_user_id': 'u', 'api_token': 't'}, True),
    ({'api_url': 'https://chat.example.org', 'api_username': 'u', 'api_password': 'p'}, True),
])
def test_connection_given(params, given):
    assert connection_given(params) is given


def test_require_client_names_the_purpose_and_the_options():
    client = object()
    assert require_client(client, 'source=workspace') is client
    with pytest.raises(ModuleFailure) as err:
        require_client(None, 'source=workspace')
    assert err.value.msg.startswith('source=workspace needs a Rocket.Chat connection: set api_url and ')
    assert 'ROCKETCHAT_URL' in err.value.msg
