"""Two-factor authentication as the server applies it to REST routes and methods (contract §3)."""

import base64
import datetime
import hashlib
import hmac
import secrets
import struct
import time

from .store import now

TOTP_STEP = 30
EMAIL_CODE_TTL = 3600           # Accounts_TwoFactorAuthentication_By_Email_Code_Expiration default
EMAIL_MAX_ATTEMPTS = 5          # Accounts_TwoFactorAuthentication_Max_Invalid_Email_Code_Attempts default


def totp_code(secret_b32, at=None, step_offset=0):
    """RFC 6238 (SHA-1, 6 digits, 30 s step)."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // TOTP_STEP) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (number % 1000000)


def totp_valid(secret_b32, code):
    code = str(code or "").strip()
    return any(hmac.compare_digest(totp_code(secret_b32, step_offset=o), code) for o in (-1, 0, 1))


class TwoFactorError(Exception):
    """A Meteor.Error raised by the 2FA check (totp-required, totp-invalid, ...)."""

    REASONS = {
        "totp-required": "TOTP Required",
        "totp-invalid": "TOTP Invalid",
        "totp-max-attempts": "TOTP Maximun Failed Attempts Reached",  # sic, as in the server
        "totp-user-not-found": "TOTP User not found",
    }

    def __init__(self, code, details=None):
        super().__init__(code)
        self.code = code
        self.reason = self.REASONS[code]
        self.details = details


def fingerprint(user_agent, ip):
    return hashlib.md5(((user_agent or "") + (ip or "")).encode("utf-8")).hexdigest()


def available_methods(user):
    services = user.get("services") or {}
    methods = []
    if (services.get("totp") or {}).get("enabled"):
        methods.append("totp")
    if (services.get("email2fa") or {}).get("enabled"):
        methods.append("email")
    return methods


class TwoFactor:
    def __init__(self, store):
        self.store = store

    def check(self, user, *, code=None, method=None, headers=None, token_entry=None, client_ip=None,
              disable_remember_me=False, require_second_factor=False, disable_password_fallback=False):
        """checkCodeForUser (contract §3.2); returns None when passed, raises TwoFactorError otherwise."""
        store = self.store
        headers = headers or {}
        if store.test_mode and not require_second_factor:
            return
        if not store.setting("Accounts_TwoFactorAuthentication_Enabled"):
            return
        if user is None:
            raise TwoFactorError("totp-user-not-found")
        if not code and not method and headers.get("x-2fa-code") and headers.get("x-2fa-method"):
            code, method = headers["x-2fa-code"], headers["x-2fa-method"]
        if not require_second_factor and token_entry is not None:
            if token_entry.get("type") == "personalAccessToken" and token_entry.get("bypassTwoFactor"):
                return
            if not disable_remember_me:
                remember = store.setting("Accounts_TwoFactorAuthentication_RememberFor") or 0
                created = user.get("createdAt")
                if created and (now() - created).total_seconds() < remember:
                    return
                until = token_entry.get("twoFactorAuthorizedUntil")
                if until and until > now() and token_entry.get("twoFactorAuthorizedHash") == fingerprint(
                        headers.get("user-agent"), client_ip):
                    return
        methods = available_methods(user)
        if method in ("totp", "email"):
            # getMethodByNameOrFirstActiveForUser: a method named in the request is used even when the
            # user has not enabled it (its verify() then refuses every code)
            selected = method
        elif methods:
            selected = methods[0]
        elif require_second_factor:
            selected = "password"
        elif (not disable_password_fallback
              and store.setting("Accounts_TwoFactorAuthentication_Enforce_Password_Fallback")
              and store.has_password(user)):
            selected = "password"
        else:
            return
        if not code:
            raise TwoFactorError("totp-required", self._details(user, selected, methods))
        if not self._verify(user, selected, code):
            if selected == "email" and self._email_attempts(user) >= EMAIL_MAX_ATTEMPTS:
                raise TwoFactorError("totp-max-attempts", {"method": selected, "availableMethods": methods})
            raise TwoFactorError("totp-invalid", self._details(user, selected, methods))
        if not disable_remember_me and token_entry is not None:
            remember = store.setting("Accounts_TwoFactorAuthentication_RememberFor") or 0
            token_entry["twoFactorAuthorizedUntil"] = now() + datetime.timedelta(seconds=remember)
            token_entry["twoFactorAuthorizedHash"] = fingerprint(headers.get("user-agent"), client_ip)

    def _details(self, user, selected, methods):
        """The error details: method, what the method's processInvalidCode adds, availableMethods."""
        details = {"method": selected}
        if selected == "email":
            details.update(self._email_challenge(user))
        else:
            # TOTPCheck's and PasswordCheckFallback's processInvalidCode both answer {codeGenerated: false}
            details["codeGenerated"] = False
        details["availableMethods"] = methods
        return details

    def _verify(self, user, selected, code):
        services = user["services"]
        if selected != "password" and selected not in available_methods(user):
            return False  # TOTPCheck / EmailCheck.verify: not enabled for the user
        if selected == "totp":
            return totp_valid(services["totp"]["secret"], code)
        if selected == "password":
            return self.store.password_matches(user, str(code).lower())
        email = services.get("email2fa") or {}
        codes = [c for c in email.get("codes", []) if c["expireAt"] > now()]
        for entry in codes:
            if hmac.compare_digest(entry["code"], str(code).strip()):
                email["codes"] = []
                email["attempts"] = 0
                return True
        email["attempts"] = email.get("attempts", 0) + 1
        return False

    def _email_attempts(self, user):
        return (user["services"].get("email2fa") or {}).get("attempts", 0)

    def _email_challenge(self, user):
        """Only a challenge without a valid code e-mails a new one (§3.2, §3.3: codeGenerated)."""
        state = self._email_state(user)
        return state if state["codeCount"] else self._send_email_code(user)

    def _send_email_code(self, user):
        email = user["services"].setdefault("email2fa", {"enabled": True})
        code = "%06d" % secrets.randbelow(1000000)
        expire = now() + datetime.timedelta(seconds=EMAIL_CODE_TTL)
        email.setdefault("codes", []).append({"code": code, "expireAt": expire})
        address = (user.get("emails") or [{}])[0].get("address")
        self.store.emails.append({"to": address, "username": user["username"], "code": code,
                                  "expires": expire.isoformat()})
        return self._email_state(user, generated=True)

    def _email_state(self, user, generated=False):
        email = user["services"].get("email2fa") or {}
        codes = [c for c in email.get("codes", []) if c["expireAt"] > now()]
        state = {"codeGenerated": generated, "codeCount": len(codes)}
        if codes:
            state["codeExpires"] = max(c["expireAt"] for c in codes)
        return state
