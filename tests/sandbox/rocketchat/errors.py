"""Reply bodies of the server's error helpers (contract §1.3), for the 8.x and pending-9.0 shapes."""

LOGIN_REQUIRED = "You must be logged in to do this."


class ApiError(Exception):
    """Answer `status` with `body` (a dict, JSON-encoded with the API headers)."""

    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def meteor_error_body(code, reason=None, details=None):
    """A Meteor.Error thrown inside a handler: "<reason> [<code>]", errorType, details when truthy."""
    body = {"success": False, "error": "%s [%s]" % (reason, code) if reason else "[%s]" % code,
            "errorType": code}
    if details:
        body["details"] = details
    return body


def meteor_error(code, reason=None, details=None, status=400):
    return ApiError(status, meteor_error_body(code, reason, details))


def failure(error=None, status=400, **extra):
    """API.v1.failure(): {"success": false} or {"success": false, "error": ...}."""
    body = {"success": False}
    if error is not None:
        body["error"] = error
    body.update(extra)
    return ApiError(status, body)


def unauthorized(band):
    if band == "9":
        # pending 9.0: the 401 body loses `status` and `message`
        return ApiError(401, {"success": False, "error": LOGIN_REQUIRED})
    return ApiError(401, {"success": False, "error": LOGIN_REQUIRED, "status": "error", "message": LOGIN_REQUIRED})


def forbidden_permission(band, permissions):
    if band == "9":
        # pending 9.0: error-forbidden / 403 with details.permissions. The exact text is not in the
        # contract; the 8.x sentence with the new code is the most plausible.
        return ApiError(403, meteor_error_body(
            "error-forbidden", "User does not have the permissions required for this action",
            {"permissions": list(permissions)}))
    return ApiError(403, {"success": False,
                          "error": "User does not have the permissions required for this action [error-unauthorized]"})


def forbidden(band):
    """API.v1.forbidden() without a message: "unauthorized" in 8.x, "forbidden" in pending 9.0 (§1.3)."""
    return ApiError(403, {"success": False, "error": "forbidden" if band == "9" else "unauthorized"})


def license_required():
    return ApiError(400, {"success": False, "error": "This is an enterprise feature [error-action-not-allowed]",
                          "errorType": "error-action-not-allowed"})


def invalid_query(band, message):
    if band == "7":
        # 7.x routes are legacy addRoute routes whose validateParams answers the legacy shape (§1.3)
        return ApiError(400, {"success": False, "error": "%s [invalid-params]" % message, "errorType": "invalid-params"})
    return ApiError(400, {"success": False, "errorType": "error-invalid-params", "error": message})


def invalid_body(band, message):
    if band == "7":
        return invalid_query(band, message)  # the same legacy validateParams answer
    # the typed router (packages/http-router Router.ts) joins AJV's messages, with no suffix
    return ApiError(400, {"success": False, "errorType": "invalid-params", "error": message})


def too_many_requests(seconds):
    return ApiError(429, {"success": False, "error": (
        "Error, too many requests. Please slow down. You must wait %d seconds before trying this endpoint "
        "again. [error-too-many-requests]" % seconds)})
