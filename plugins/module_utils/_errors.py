# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's errors and its secret mask: a leaf that imports nothing of the collection.

``ModuleFailure`` is a failure the module explains itself (the run loop turns it into ``fail_json``);
``RocketChatError`` is a failed call to the server. ``MASK`` is what output shows in place of a secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Shown in place of a secret everywhere: messages, diffs, results, reports.
MASK = '********'


class ModuleFailure(Exception):
    """A failure the module explains itself: ``msg`` plus extra result keys (never secrets).

    Raised by module logic (validation errors, unmet preconditions); ``run_module`` turns it into
    ``fail_json(msg=..., **extra)``.
    """

    def __init__(self, msg, **extra):
        super(ModuleFailure, self).__init__(msg)
        self.msg = msg
        self.extra = extra


class RocketChatError(Exception):
    """A failed call to Rocket.Chat.

    Attributes: ``method`` and ``path`` of the request, HTTP ``status`` (None when no reply came),
    the server's ``error`` text and ``error_type`` (``errorType``), and ``details`` (the server's
    ``details`` object, or the client's own). Built only from redacted text: never a header,
    a request body or a secret.
    """

    def __init__(self, method, path, status=None, error=None, error_type=None, details=None):
        self.method = method
        self.path = path
        self.status = status
        self.error = error
        self.error_type = error_type
        self.details = details
        super(RocketChatError, self).__init__(self.message)

    @property
    def message(self):
        where = '%s %s' % (self.method, self.path) if self.method else (self.path or 'Rocket.Chat')
        status = ' (HTTP %s)' % self.status if self.status else ''
        text = self.error or 'request failed'
        if self.error_type and '[%s]' % self.error_type not in text:
            text = '%s [%s]' % (text, self.error_type)
        return '%s%s: %s' % (where, status, text)

    def to_result(self):
        """The error as extra keys for ``fail_json``."""
        return dict(api_method=self.method, api_path=self.path, status=self.status,
                    error=self.error, error_type=self.error_type, details=self.details)
