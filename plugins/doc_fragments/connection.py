# -*- coding: utf-8 -*-
# Copyright: contributors to the chatops.rocketchat collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Connection options of every module (plugins/module_utils/_connection.py CONNECTION_ARGSPEC).
    DOCUMENTATION = r'''
options:
  api_url:
    description:
      - Base URL of the Rocket.Chat workspace, for example V(https://chat.example.org).
      - If not set, the value of the E(ROCKETCHAT_URL) environment variable is used.
      - A URL with credentials (V(https://user:password@host)) is refused, and masked in the task's result
        and invocation; give them with O(api_username) and O(api_password).
    type: str
    required: true
  api_user_id:
    description:
      - User id that owns O(api_token).
      - If not set, the value of the E(ROCKETCHAT_USER_ID) environment variable is used.
      - Use together with O(api_token); mutually exclusive with O(api_username).
    type: str
  api_token:
    description:
      - Personal access token (or login token) of O(api_user_id).
      - A personal access token created with C(Ignore Two Factor Authentication) is the recommended
        credential for automation, because it is never asked for a second factor.
      - If not set, the value of the E(ROCKETCHAT_AUTH_TOKEN) environment variable is used.
      - One of O(api_token) and O(api_username) is required to connect.
      - A token alone cannot answer the server's password-fallback second factor (on by default for
        accounts without TOTP or e-mail 2FA; since Rocket.Chat 8.6 every bulk settings write asks for it).
        Give O(api_password) next to the token, or use a personal access token created with C(Ignore Two
        Factor Authentication).
    type: str
  api_username:
    description:
      - Username to log in with. The module logs in at its start and logs out at its end.
      - If not set, the value of the E(ROCKETCHAT_USERNAME) environment variable is used.
      - Requires O(api_password); mutually exclusive with O(api_user_id).
    type: str
  api_password:
    description:
      - Password of O(api_username), or of the account that owns O(api_token).
      - With O(api_username) the module logs in with it. With O(api_user_id) and O(api_token) the token
        authenticates and the password is used only to answer the server's password-fallback second factor
        (for example next to a login token handed over by M(chatops.rocketchat.session)).
      - When the server asks for the password as second factor (the 2FA password fallback), it is
        answered automatically with the password's SHA-256 digest.
      - If not set, the value of the E(ROCKETCHAT_PASSWORD) environment variable is used.
    type: str
  api_totp_secret:
    description:
      - Base32 seed of the account's authenticator app (TOTP). Codes are computed from it whenever
        the server asks for a TOTP second factor, including at login.
      - If not set, the value of the E(ROCKETCHAT_TOTP_SECRET) environment variable is used.
      - Mutually exclusive with O(api_totp_code).
    type: str
  api_totp_code:
    description:
      - A current TOTP code (or backup code) for a single, interactive run.
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Only switch this off for a throw-away test server; the
        module warns when it is off, and when O(api_url) is plain C(http://).
      - If not set, the value of the E(ROCKETCHAT_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file (or directory of hashed certificates) of the certificate authorities to trust
        for the Rocket.Chat server instead of the system store. A path that does not exist is an error.
      - It, and O(validate_certs=false), win over E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE); without
        either, those variables choose the system's CA bundle, as for any Python HTTP client.
      - If not set, the value of the E(ROCKETCHAT_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Timeout in seconds of each HTTP request (the time to connect, and then the time to wait for the reply).
      - At least 1.
    type: int
    default: 30
  max_retry_wait:
    description:
      - Longest total time in seconds spent waiting between retries of one request, when the server
        answers C(429 Too Many Requests) or C(502)/C(503)/C(504), or the connection fails.
      - A rate-limited request whose limit resets exactly O(max_retry_wait) seconds later is still retried.
      - Reads are retried after any connection failure or timeout. Other requests (writes, Sync Now) are
        retried only when they cannot have reached the server (connection refused, or not established within
        O(timeout)); after a read timeout, a broken connection or a gateway's C(504) the server may still be
        processing the request, so the task fails instead of sending it twice.
      - TLS errors (certificate not trusted, wrong host name) are never retried; see O(ca_path).
      - V(0) turns retries off; a negative value is refused.
      - Each retry is reported as a warning. V(0) disables retries.
    type: int
    default: 60
notes:
  - All modules of the collection are in the action group C(chatops.rocketchat.rocketchat), so
    C(module_defaults) can set the connection options once for a play.
requirements:
  - requests
'''

    # Shared attributes of modules that change nothing.
    READ_ONLY = r'''
attributes:
  check_mode:
    description: Can run in check mode and return the same result as a normal run.
    support: full
    details: The module only reads.
  diff_mode:
    description: Would return details on what has changed in diff mode.
    support: N/A
    details: The module changes nothing.
  action_group:
    description: Use C(group/chatops.rocketchat.rocketchat) in C(module_defaults) to set the connection options.
    support: full
    membership:
      - chatops.rocketchat.rocketchat
'''

    # Shared attributes of modules that change settings.
    WRITES = r'''
attributes:
  check_mode:
    description: Can run in check mode and report what would change without changing it.
    support: full
    details: In check mode no write request is sent at all.
  diff_mode:
    description: Returns details on what has changed (or would change) in diff mode.
    support: full
    details: The diff shows the managed settings before and after, with secrets masked.
  action_group:
    description: Use C(group/chatops.rocketchat.rocketchat) in C(module_defaults) to set the connection options.
    support: full
    membership:
      - chatops.rocketchat.rocketchat
'''
