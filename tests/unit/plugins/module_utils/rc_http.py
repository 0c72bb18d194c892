"""HTTP test helpers of the module_utils unit tests (constants, a recorder, method.call frames)."""
import json

URL = 'https://chat.example.org'
USER_ID = 'adminid'
TOKEN = 'pat-token-value-1234'
PASSWORD = 'Adm1n-Passw0rd!'


class Recorder:
    """Collects warnings and sleeps instead of waiting."""

    def __init__(self):
        self.warnings = []
        self.sleeps = []
        self.now = 1_700_000_000.0

    def warn(self, text):
        self.warnings.append(text)

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now


def method_reply(result=None, error=None):
    """A method.call reply: the EJSON frame inside `message`."""
    frame = {'msg': 'result', 'id': '1'}
    if error is not None:
        frame['error'] = error
    else:
        frame['result'] = result
    return {'message': json.dumps(frame), 'success': error is None}


def sent_frame(call):
    """The DDP frame a method.call request carried."""
    return json.loads(json.loads(call.request.body)['message'])
