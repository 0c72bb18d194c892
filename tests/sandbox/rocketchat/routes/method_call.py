"""POST method.call/<method>: a DDP method frame carried over REST (EJSON in, EJSON out), and the
Meteor errors as they are serialised inside the result frame. The methods themselves belong to their
route family (settings.py's saveSettings and private-settings/get)."""

from .. import errors
from ..encoding import from_ejson, to_ejson
from ..errors import ApiError
from ..pipeline import Route
from ..twofactor import TwoFactorError


class MethodError(Exception):
    """A Meteor.Error as serialised inside a DDP result frame."""

    def __init__(self, error, reason=None, details=None, message=None):
        super().__init__(reason)
        self.error, self.reason, self.details = error, reason, details
        self.message = message or ("%s [%s]" % (reason, error) if reason else "[%s]" % error)

    def frame(self):
        frame = {"isClientSafe": True, "error": self.error}
        if self.reason is not None:
            frame["reason"] = self.reason
        if self.details:
            frame["details"] = self.details
        frame["message"] = self.message
        frame["errorType"] = "Meteor.Error"
        return frame

    @classmethod
    def from_api_error(cls, exc):
        body = exc.body
        if "errorType" in body:
            error_text = body["error"]
            reason = error_text.rsplit(" [", 1)[0] if " [" in error_text else None
            return cls(body["errorType"], reason, body.get("details"), message=error_text)
        return MatchError(body.get("error"))


class MatchError(MethodError):
    """A Match.Error (Meteor check()) serialised into the result frame. NOT DETERMINED: the contract
    only shows Meteor.Error frames; a Match.Error carries its text, path and the sanitized 400 error."""

    def __init__(self, text):
        super().__init__(400, "Match failed", message=text)

    def frame(self):
        sanitized = {"isClientSafe": True, "error": 400, "reason": "Match failed", "message": "Match failed [400]",
                     "errorType": "Meteor.Error"}
        return {"message": self.message, "path": "", "sanitizedError": sanitized, "errorType": "Match.Error"}


class MethodCallRoutes:
    def __init__(self, store, methods):
        self.store = store
        self.methods = methods        # name -> handler(req, params)

    def routes(self):
        return [Route("POST", "/api/v1/method.call/:method", self.method_call, rate_limit=False)]

    def method_call(self, req):
        body = req.body if isinstance(req.body, dict) else None
        if body is None or not isinstance(body.get("message"), str):
            raise errors.failure("Invalid method call")
        try:
            frame = from_ejson(body["message"])
            if not isinstance(frame, dict) or frame.get("msg") != "method" or not isinstance(frame.get("method"), str):
                raise ValueError
            params = frame.get("params", [])
            if not isinstance(params, list):
                raise ValueError
        except ValueError:
            raise errors.failure("Invalid method call")
        reply = {"msg": "result", "id": frame.get("id")}
        try:
            method = self.methods.get(frame["method"])
            if method is None:
                raise MethodError(404, "Method '%s' not found" % frame["method"])
            reply["result"] = method(req, params)
        except MethodError as exc:
            reply["error"] = exc.frame()
        except TwoFactorError as exc:
            reply["error"] = MethodError(exc.code, exc.reason, exc.details).frame()
        except ApiError as exc:  # type/permission checks shared with the REST route
            reply["error"] = MethodError.from_api_error(exc).frame()
        message = to_ejson(reply)
        if "error" in reply and self.store.band != "7":
            # the typed method.call (8.x) answers method errors with 400; the 7.x addRoute one with 200
            return 400, {"message": message, "success": False}
        return {"message": message}
