"""The standing suite's tally (issue 13): what the bad-input, secret, check-mode and fault tests observed,
added up from the tests' own records and printed as one line at the end of the run:

    bad inputs: 95 tried, 95 clear, 0 written; secrets: 0 of 41 found; check mode: 0 writes; faults: 12 survived

A test records what it saw through the ``promise`` fixture, before asserting on it, so a broken
promise shows in the line as well as in the failure:

    promise.bad_input(clear=True, written=0)     # one refused input: was the message clear, how many writes
    promise.secrets(searched=41, found=0)        # secret strings looked for in a run's artefacts, hits
    promise.check_mode(writes=0)                 # one check-mode run and the writes it made
    with promise.fault():                        # a fault test: survived when the block raised nothing
        ...

Records travel as ``user_properties`` of the test's report, so pytest-xdist hands them to the controller,
which adds them up (``pytest_runtest_logreport``) and prints the line (``pytest_terminal_summary``).
"""

import contextlib

import pytest

__all__ = ['promise', 'pytest_runtest_logreport', 'pytest_terminal_summary']

RECORD = 'issue13-promise'
_TALLY = {}


class Promises:
    """What a test records; see the module's docstring."""

    def __init__(self, node):
        self._node = node

    def _record(self, kind, **values):
        self._node.user_properties.append((RECORD, dict(values, kind=kind)))

    def bad_input(self, clear, written):
        self._record('bad_input', clear=bool(clear), written=int(written))

    def secrets(self, searched, found):
        self._record('secrets', searched=int(searched), found=int(found))

    def check_mode(self, writes):
        self._record('check_mode', writes=int(writes))

    @contextlib.contextmanager
    def fault(self):
        try:
            yield
        except BaseException:
            self._record('fault', survived=False)
            raise
        self._record('fault', survived=True)


@pytest.fixture
def promise(request):
    return Promises(request.node)


def pytest_runtest_logreport(report):
    if report.when != 'call':
        return
    for name, value in report.user_properties:
        if name != RECORD:
            continue
        kind = value['kind']
        totals = _TALLY.setdefault(kind, {})
        totals['records'] = totals.get('records', 0) + 1
        for key, number in value.items():
            if key != 'kind':
                totals[key] = totals.get(key, 0) + int(number)


def summary_line(tally):
    """The summary line for what was recorded (None when nothing was)."""
    if not tally:
        return None
    bad = tally.get('bad_input', {})
    secrets = tally.get('secrets', {})
    check = tally.get('check_mode', {})
    faults = tally.get('fault', {})
    parts = [
        'bad inputs: %d tried, %d clear, %d written' % (bad.get('records', 0), bad.get('clear', 0),
                                                        bad.get('written', 0)),
        'secrets: %d of %d found' % (secrets.get('found', 0), secrets.get('searched', 0)),
        'check mode: %d writes' % check.get('writes', 0),
        'faults: %d survived' % faults.get('survived', 0),
    ]
    line = '; '.join(parts)
    if faults.get('records', 0) != faults.get('survived', 0):
        line += ' (%d broken)' % (faults['records'] - faults.get('survived', 0))
    return line


def pytest_terminal_summary(terminalreporter):
    line = summary_line(_TALLY)
    if line:
        terminalreporter.write_sep('-', 'promises (issue 13)')
        terminalreporter.write_line(line)
