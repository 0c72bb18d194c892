"""Shared fixtures of the module_utils unit tests: a client whose HTTP is pinned with `responses`."""
import pytest
import responses

from ansible_collections.chatops.rocketchat.plugins.module_utils._client import RocketChatClient
from tests.unit.plugins.module_utils.rc_http import TOKEN, URL, USER_ID, Recorder


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def make_client(recorder):
    def make(**kwargs):
        options = dict(user_id=USER_ID, token=TOKEN, warn=recorder.warn, sleep=recorder.sleep, clock=recorder.clock)
        options.update(kwargs)
        return RocketChatClient(URL, **options)
    return make
