# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Rocket.Chat REST client shared by every module of the collection.

One keep-alive ``requests.Session``; authentication by personal access token or by login (with
logout in ``close()``); two-factor challenges answered where the credentials allow it; retries
on rate limits and transient faults within a bounded total wait; a guard that refuses any write
in check mode; one exception type, ``RocketChatError``, whose text never contains a secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import hashlib
import json
import os
import re
import ssl
import time
import traceback

try:
    import requests
    from urllib3.exceptions import NewConnectionError
    from urllib3.util.ssl_match_hostname import CertificateError as Urllib3CertificateError
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by ansible-test sanity only
    requests = NewConnectionError = Urllib3CertificateError = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.chatops.rocketchat.plugins.module_utils._errors import MASK, RocketChatError
from ansible_collections.chatops.rocketchat.plugins.module_utils._totp import totp

API_V1 = '/api/v1/'
USER_AGENT = 'chatops.rocketchat-ansible'
TRANSIENT_STATUSES = (502, 503, 504)
# A gateway that timed out waiting for the server: a write may still be running behind it.
GATEWAY_TIMEOUT = 504
# Added to a rate-limit wait so the retry lands after the window has reset (not part of the bound).
RATE_LIMIT_MARGIN = 0.1
TWO_FACTOR_ERRORS = ('totp-required', 'totp-invalid', 'totp-max-attempts', 'totp-user-not-found')
_WAIT_IN_TEXT = re.compile(r'wait (\d+(?:\.\d+)?) seconds?')
_VERSION = re.compile(r'^\s*(\d+)\.(\d+)(?:\.(\d+))?')
BYPASS_ADVICE = ('Use a personal access token created with "Ignore Two Factor Authentication" '
                 '(bypassTwoFactor) in api_user_id/api_token')
# Read-only POSTs that are still not sent again after a read timeout: a logout whose reply was lost
# has most likely ended the token already, and close() only warns about it.
SINGLE_SHOT_PATHS = (API_V1 + 'logout',)
_CERTIFICATE_REJECTED = re.compile(r"certificate[ _]verify[ _]failed|hostname mismatch|hostname .* doesn't match", re.I)
TLS_ADVICE = ('If the server uses a private certificate authority, give its PEM file in ca_path; set '
              'validate_certs=false only for a throw-away test server')


def sha256_hex(text):
    """Lower-case hex SHA-256 of a text: Rocket.Chat's password-fallback second factor."""
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def parse_version(text):
    """``"8.8.1"`` -> ``(8, 8, 1)``, ``"8.8"`` -> ``(8, 8, 0)``; None when unparsable."""
    match = _VERSION.match(text or '')
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def _cause_chain(exc):
    """``exc`` and what it wraps: urllib3's ``reason``, the first argument, ``__cause__``/``__context__``."""
    seen = set()
    pending = [exc]
    while pending:
        cause = pending.pop(0)
        if not isinstance(cause, BaseException) or id(cause) in seen:
            continue
        seen.add(id(cause))
        yield cause
        pending.extend([getattr(cause, 'reason', None), cause.args[0] if cause.args else None,
                        cause.__cause__, cause.__context__])


def request_not_sent(exc):
    """Whether a failed request cannot have reached the server (so sending it again repeats nothing).

    True for a connection that was never established: refused, unreachable, a name that does not
    resolve (urllib3's ``NewConnectionError``), or a connect timeout. False for a read timeout and
    for a connection that broke after the request went out.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return True
    return any(isinstance(cause, NewConnectionError) for cause in _cause_chain(exc))


def certificate_rejected(exc):
    """Whether a TLS error is the server certificate failing verification (untrusted, or another host name).

    Sending again cannot help there; other TLS errors (EOF or a reset during the handshake) are
    transient faults of a connection that never carried the request.
    """
    for cause in _cause_chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError) or isinstance(cause, Urllib3CertificateError):
            return True
        if isinstance(cause, (str, BaseException)) and _CERTIFICATE_REJECTED.search(str(cause)):
            return True
    return False


def api_path(path):
    """``"settings"`` -> ``"/api/v1/settings"``; absolute paths (``"/api/info"``) stay as they are."""
    return path if path.startswith('/') else API_V1 + path


class RocketChatClient:
    """A Rocket.Chat REST client for one module run.

    Authenticate with ``user_id`` + ``token`` (a personal access token or a login token) or with
    ``username`` + ``password`` (logs in on first use, logs out in ``close()``). ``totp_secret``
    (base32 seed) or ``totp_code`` (a one-time code) answer TOTP challenges; the password answers
    password-fallback challenges, also next to a token (which then authenticates: the password is
    used for nothing else). ``warn(text)`` is called once per retry. ``check_mode=True``
    refuses every request that is not a GET, except those declared ``read_only``.
    """

    def __init__(self, url, user_id=None, token=None, username=None, password=None,
                 totp_secret=None, totp_code=None, validate_certs=True, ca_path=None,
                 timeout=30, max_retry_wait=60, check_mode=False, warn=None,
                 session=None, sleep=time.sleep, clock=time.time):
        if not url:
            raise RocketChatError(None, None, error='api_url is required (or the ROCKETCHAT_URL environment variable)')
        self.url = url.rstrip('/')
        self.check_mode = check_mode
        self.timeout = timeout
        self.max_retry_wait = max_retry_wait
        self._warn = warn or (lambda text: None)
        self._sleep = sleep
        self._clock = clock
        self._user_id = user_id
        self._token = token
        self._username = username
        self._password = password
        self._totp_secret = totp_secret
        self._totp_code = totp_code
        self._logged_in = False
        self._server_info = None
        self._licence = None
        self._secrets = set()
        for secret in (token, password, totp_secret, totp_code):
            self.add_secret(secret)
        if password:
            self.add_secret(sha256_hex(password))
        if session is None:
            session = requests.Session()
        self.session = session
        self.session.headers.update({'User-Agent': USER_AGENT, 'Accept': 'application/json'})
        if validate_certs and ca_path and not os.path.exists(ca_path):
            raise RocketChatError(None, None, error='ca_path %s does not exist: give the PEM file (or directory of '
                                                    'hashed certificates) of the CA that signed the workspace\'s '
                                                    'certificate' % ca_path)
        # Given with every request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace a session's
        # verify (so ca_path and validate_certs=false would be ignored), but not a request's own, unless it
        # is True, where the environment's CA bundle is the system's choice to make.
        self.verify = (ca_path or True) if validate_certs else False

    # ----------------------------------------------------------------- secrets

    def add_secret(self, value):
        """Register a value that must never appear in an error text (e.g. a bind password sent)."""
        if isinstance(value, str) and len(value) >= 3:
            self._secrets.add(value)
            # Its escaped form too: requests quotes an invalid header value with repr() in its error.
            self._secrets.add(value.encode('unicode_escape').decode('ascii'))

    def redact(self, value):
        """``value`` (text, or lists/dicts of text) with every registered secret replaced."""
        if isinstance(value, str):
            for secret in sorted(self._secrets, key=len, reverse=True):
                value = value.replace(secret, MASK)
            return value
        if isinstance(value, dict):
            return dict((k, self.redact(v)) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return [self.redact(v) for v in value]
        return value

    def _error(self, method, path, status=None, error=None, error_type=None, details=None):
        return RocketChatError(method, path, status, self.redact(error), error_type, self.redact(details))

    # ----------------------------------------------------------------- public calls

    def get(self, path, params=None):
        """GET a REST route (``"settings"`` means ``/api/v1/settings``); returns the JSON object."""
        return self._call('GET', api_path(path), params=params)

    def post(self, path, body=None, read_only=False, timeout=None):
        """POST a REST route; 2FA challenges are answered. ``read_only=True`` allows it in check mode.

        ``timeout`` (seconds) replaces the client's timeout for this call (e.g. a synchronous sync).
        """
        return self._call('POST', api_path(path), body=body if body is not None else {}, read_only=read_only,
                          timeout=timeout)

    def method_call(self, method, params=None, read_only=False):
        """Call a Meteor method through ``POST /api/v1/method.call/<method>``; returns its ``result``.

        Errors inside the reply's EJSON ``message`` raise ``RocketChatError`` whatever the HTTP
        status (7.x answers 200, newer servers 400). 2FA challenges are answered with a trailing
        ``{"twoFactorCode", "twoFactorMethod"}`` parameter.
        """
        path = api_path('method.call/' + method.replace('/', ':'))
        params = list(params or [])
        reply = self._method_frame(path, method, params, read_only)
        error = reply.get('error')
        if error and error.get('error') == 'totp-required':
            two_factor_method, code = self._second_factor('POST', path, error.get('details'))
            reply = self._method_frame(path, method, params + [
                {'twoFactorCode': code, 'twoFactorMethod': two_factor_method}], read_only)
            error = reply.get('error')
        if error:
            raise self._error('POST', path, 400, error.get('message') or error.get('reason') or str(error.get('error')),
                              error.get('error'), error.get('details'))
        return reply.get('result')

    @property
    def server_info(self):
        """The ``/api/info`` reply (fetched once, with credentials so admins see the full version)."""
        if self._server_info is None:
            self._server_info = self._call('GET', '/api/info')
        return self._server_info

    @property
    def server_version_string(self):
        info = self.server_info
        return (info.get('info') or {}).get('version') or info.get('version') or ''

    @property
    def server_version(self):
        """The server version as ``(major, minor, patch)``; patch is 0 when only ``major.minor`` is shown."""
        version = parse_version(self.server_version_string)
        if version is None:
            raise self._error('GET', '/api/info', error='the server did not report a version',
                              error_type='version-unknown')
        return version

    def licence_info(self):
        """``licenses.info``'s ``license`` object (cached); ``{}`` when the route does not exist."""
        if self._licence is None:
            try:
                self._licence = self.get('licenses.info').get('license') or {}
            except RocketChatError as exc:
                if exc.error_type != 'endpoint-not-available':
                    raise
                self._licence = {}
        return self._licence

    def licensed_modules(self):
        """The active licence modules (e.g. ``{"ldap-enterprise"}``), an empty set without a licence."""
        return frozenset(self.licence_info().get('activeModules') or ())

    def detach_login(self):
        """Authenticate now and hand the credentials over to the caller: returns ``(user_id, token)``.

        With a username and password this logs in (when not done yet), and ``close()`` will then
        not log that login out: the caller owns the token and logs it out itself (for example
        with another client given ``user_id``/``token``, whose ``post('logout')`` ends it). With a
        given token, that token is returned as it is.
        """
        self._authenticate()
        self._logged_in = False
        return self._user_id, self._token

    def close(self):
        """Log out when this client logged in; never raises (a failure becomes a warning)."""
        if self._logged_in:
            try:
                self._send('POST', api_path('logout'), body={}, read_only=True)
            except RocketChatError as exc:
                self._warn('Logout failed: %s' % exc)
            self._logged_in = False
            self._token = None
            self.session.headers.pop('X-Auth-Token', None)
            self.session.headers.pop('X-User-Id', None)
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ----------------------------------------------------------------- authentication

    def _authenticate(self):
        if 'X-Auth-Token' in self.session.headers:
            return
        if self._user_id and self._token:
            self.session.headers.update({'X-User-Id': self._user_id, 'X-Auth-Token': self._token})
            return
        if self._username and self._password:
            self._login()
            return
        raise self._error(None, None, error='no credentials: give api_user_id and api_token (a personal access '
                                            'token) or api_username and api_password')

    def _login(self):
        path = api_path('login')
        body = {'user': self._username, 'password': self._password}
        response, reply = self._send('POST', path, body=body, read_only=True)
        if reply.get('error') == 'totp-required':
            method, code = self._second_factor('POST', path, reply.get('details'), at_login=True)
            response, reply = self._send('POST', path, body=dict(body, code=code), read_only=True)
        if response.status_code >= 400 or reply.get('status') != 'success':
            raise self._response_error('POST', path, response, reply)
        data = reply.get('data') or {}
        self.add_secret(data.get('authToken'))
        self._user_id = data.get('userId')
        self._token = data.get('authToken')
        self._logged_in = True
        self.session.headers.update({'X-User-Id': self._user_id, 'X-Auth-Token': self._token})

    def _second_factor(self, method, path, details, at_login=False):
        """(2FA method, code) answering a challenge whose ``details.method`` names the factor."""
        asked = (details or {}).get('method')
        if asked == 'totp':
            if self._totp_secret:
                try:
                    return 'totp', totp(self._totp_secret, self._clock())
                except ValueError as exc:
                    raise self._error(method, path, error='api_totp_secret: %s' % exc, error_type='totp-required')
            if self._totp_code:
                return 'totp', self._totp_code
            raise self._error(method, path, 400, 'The server asks for a TOTP code. Give api_totp_secret (the seed) or '
                                                 'api_totp_code, or: ' + BYPASS_ADVICE, 'totp-required', details)
        if asked == 'password' and not at_login:
            if self._password:
                return 'password', sha256_hex(self._password)
            raise self._error(method, path, 400, 'The server asks for the account password as second factor '
                                                 '(2FA password fallback), which a token alone cannot answer. Give '
                                                 "the account's api_password alongside api_user_id/api_token (used "
                                                 'only to answer this challenge), or: ' + BYPASS_ADVICE,
                              'totp-required', details)
        if asked == 'email':
            raise self._error(method, path, 400, 'The server asks for an e-mailed 2FA code, which automation cannot '
                                                 'answer. ' + BYPASS_ADVICE, 'totp-required', details)
        raise self._error(method, path, 400, 'The server asks for an unsupported second factor %r. %s'
                          % (asked, BYPASS_ADVICE), 'totp-required', details)

    # ----------------------------------------------------------------- request plumbing

    def _call(self, method, path, params=None, body=None, read_only=False, timeout=None):
        self._authenticate()
        response, reply = self._send(method, path, params=params, body=body, read_only=read_only, timeout=timeout)
        if response.status_code == 400 and reply.get('errorType') == 'totp-required':
            two_factor_method, code = self._second_factor(method, path, reply.get('details'))
            headers = {'x-2fa-method': two_factor_method, 'x-2fa-code': code}
            response, reply = self._send(method, path, params=params, body=body, read_only=read_only,
                                         headers=headers, timeout=timeout)
        if response.status_code >= 400 or reply.get('success') is False:
            raise self._response_error(method, path, response, reply)
        return reply

    def _method_frame(self, path, method, params, read_only):
        frame = {'msg': 'method', 'id': '1', 'method': method, 'params': params}
        self._authenticate()
        response, reply = self._send('POST', path, body={'message': json.dumps(frame)}, read_only=read_only)
        message = reply.get('message')
        if isinstance(message, str):
            try:
                parsed = json.loads(message)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                return parsed
        if response.status_code >= 400 or reply.get('success') is False:
            raise self._response_error('POST', path, response, reply)
        raise self._error('POST', path, response.status_code, 'the reply carries no method result',
                          'invalid-method-reply')

    def _response_error(self, method, path, response, reply):
        if reply.get('errorType') in TWO_FACTOR_ERRORS or reply.get('error') in TWO_FACTOR_ERRORS:
            kind = reply.get('errorType') or reply.get('error')
            return self._error(method, path, response.status_code,
                               'The second factor was refused (%s). Check api_totp_secret/api_totp_code or the '
                               'password, or: %s' % (kind, BYPASS_ADVICE), kind, reply.get('details'))
        error = reply.get('error') or reply.get('message') or 'request failed'
        if not isinstance(error, str):
            error = json.dumps(error)
        refused = self._credentials_refused(path, response.status_code)
        if refused:
            error = '%s (%s)' % (refused, error)
        return self._error(method, path, response.status_code, error, reply.get('errorType'), reply.get('details'))

    def _credentials_refused(self, path, status):
        """What to check when the server refused the credentials (a failed login, or HTTP 401), naming the options."""
        if path == api_path('login') and status in (400, 401, 403):
            return ('api_username/api_password: the server refused the login of %r (wrong user name or password, '
                    'or the account cannot log in with a password)' % self._username)
        if status != 401:
            return None
        if self._logged_in:
            return ('the login token of api_username %r stopped working during the run (logged out or expired '
                    'on the server)' % self._username)
        return ('api_user_id/api_token: the server refused the token (wrong, expired or revoked, or not the '
                'token of that user id)')

    def _send(self, method, path, params=None, body=None, read_only=False, headers=None, timeout=None):
        """Send one request, retrying rate limits and transient faults; returns (response, JSON object).

        A GET, and a ``read_only`` POST other than a logout, is retried after any connection failure
        or timeout. Any other request may change something (a write, a synchronous sync): it is sent
        again only when it cannot have reached the server (connection refused, not established in
        time, a failed TLS handshake), never after it went out unanswered (a read timeout, a dropped
        connection or cut-off reply, a gateway timeout). A certificate that fails verification and
        a request that cannot be built fail at once.
        """
        if self.check_mode and method != 'GET' and not read_only:
            raise self._error(method, path, error='refusing to send a write request in check mode (a bug: '
                                                  'the module should have planned without writing)',
                              error_type='check-mode-write-refused')
        timeout = timeout or self.timeout
        repeatable = method == 'GET' or (read_only and path not in SINGLE_SHOT_PATHS)
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            problem = None
            margin = 0.0
            try:
                response = self.session.request(method, self.url + path, params=params, json=body,
                                                headers=headers, timeout=timeout, verify=self.verify)
            except requests.exceptions.SSLError as exc:
                if certificate_rejected(exc):
                    raise self._error(method, path, error='TLS error talking to %s: %s. %s' % (
                        self.url, exc, TLS_ADVICE), error_type='tls-error')
                # A handshake that failed otherwise (EOF, reset): the request never went out.
                response = None
                problem = 'TLS handshake failed (%s)' % self.redact(str(exc))
                wait = min(2.0 ** (attempt - 1), 30.0)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                response = None
                if not (repeatable or request_not_sent(exc)):
                    raise self._unanswered(method, path, '%s after the request was sent (%s)' % (
                        self._what_broke(exc, timeout), type(exc).__name__),
                        advice='a longer timeout may help' if isinstance(exc, requests.Timeout) else None)
                problem = ('no reply from api_url %s within timeout=%s s (%s)' % (self.url, timeout, type(exc).__name__)
                           if isinstance(exc, requests.Timeout) else
                           'cannot connect to api_url %s (%s)' % (self.url, type(exc).__name__))
                wait = min(2.0 ** (attempt - 1), 30.0)
            except requests.RequestException as exc:
                if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                                    requests.exceptions.InvalidSchema, requests.exceptions.InvalidHeader,
                                    requests.exceptions.URLRequired)):
                    raise self._error(method, path, error='cannot send a request to api_url %s: %s (%s)' % (
                        self.url, exc, type(exc).__name__), error_type='invalid-url')
                raise self._error(method, path, error='request to %s failed: %s (%s)' % (
                    self.url, exc, type(exc).__name__), error_type='request-failed')
            else:
                if response.status_code == 429:
                    problem = 'rate limited (HTTP 429)'
                    wait = self._rate_limit_wait(response)
                    margin = RATE_LIMIT_MARGIN
                elif response.status_code == GATEWAY_TIMEOUT and not repeatable:
                    raise self._unanswered(method, path, 'a gateway answered HTTP 504: the read timeout of the '
                                                         'proxy in front of Rocket.Chat ended the request',
                                           status=GATEWAY_TIMEOUT,
                                           advice="raising the proxy's read timeout may help; the module's "
                                                  'timeout does not')
                elif response.status_code in TRANSIENT_STATUSES:
                    problem = 'HTTP %d' % response.status_code
                    wait = self._retry_after(response)
                    if wait is None:
                        wait = min(2.0 ** (attempt - 1), 30.0)
            if problem is None:
                return response, self._json(method, path, response)
            # The margin is slept and counted, but not part of the bound: a reset exactly max_retry_wait
            # seconds away is still waited for.
            if self.max_retry_wait <= 0 or waited + wait > self.max_retry_wait:
                status = response.status_code if response is not None else None
                raise self._error(method, path, status, '%s; gave up after %d attempt(s) and %.1f s of waiting '
                                  '(max_retry_wait=%s)' % (problem, attempt, waited, self.max_retry_wait),
                                  'too-many-requests' if status == 429 else 'unavailable')
            self._warn('%s %s: %s, retrying in %.1f s (attempt %d)'
                       % (method, path, problem, wait + margin, attempt + 1))
            self._sleep(wait + margin)
            waited += wait + margin

    @staticmethod
    def _what_broke(exc, timeout):
        if isinstance(exc, requests.Timeout):
            return 'no reply within %s s' % timeout
        if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
            return 'the reply broke off or could not be decoded'
        return 'the connection broke'

    def _unanswered(self, method, path, what, status=None, advice=None):
        return self._error(method, path, status, '%s. The server may still be processing it, so it was not sent '
                                                 'again; check the result on the server before running the task '
                                                 'again%s' % (what, ' (%s)' % advice if advice else ''), 'no-reply')

    def _rate_limit_wait(self, response):
        """Seconds until the rate-limit window resets: Rocket.Chat's X-RateLimit-Reset (epoch ms), else the
        Retry-After a proxy sends (RFC 9110: seconds or an HTTP date), else the body text, else 1."""
        reset = response.headers.get('X-RateLimit-Reset')
        try:
            return max(float(reset) / 1000.0 - self._clock(), 0.0)
        except (TypeError, ValueError):
            pass
        retry_after = self._retry_after(response)
        if retry_after is not None:
            return retry_after
        match = _WAIT_IN_TEXT.search(response.text or '')
        return float(match.group(1)) if match else 1.0

    def _retry_after(self, response):
        """The reply's Retry-After in seconds from now (delay-seconds or an HTTP date), or None."""
        value = (response.headers.get('Retry-After') or '').strip()
        if not value:
            return None
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        return max(when.timestamp() - self._clock(), 0.0)

    def _json(self, method, path, response):
        try:
            reply = response.json()
        except ValueError:
            reply = None
        if response.status_code == 404 or (reply is None and response.status_code < 400):
            raise self._error(method, path, response.status_code, 'endpoint not available on this server '
                              '(HTTP %d, %s)' % (response.status_code, 'JSON' if reply is not None else 'not JSON'),
                              'endpoint-not-available')
        if not isinstance(reply, dict):
            raise self._error(method, path, response.status_code, 'unexpected reply (HTTP %d, not a JSON object)'
                              % response.status_code, 'invalid-reply')
        return reply
