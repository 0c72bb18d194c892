"""How the server writes values: REST JSON (dates as ISO strings), EJSON (method.call frames, dates as
{"$date": ms}), and how Meteor's check() names a value's type."""

import datetime
import json


def iso_date(value):
    value = value.astimezone(datetime.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (value.microsecond // 1000)


def to_json(value):
    """JSON as the server sends it: dates as ISO strings, compact separators."""
    def default(obj):
        if isinstance(obj, datetime.datetime):
            return iso_date(obj)
        raise TypeError(type(obj).__name__)
    return json.dumps(value, default=default, separators=(",", ":"), ensure_ascii=False)


def to_ejson(value):
    """EJSON (method.call frames): dates as {"$date": ms}."""
    def convert(obj):
        if isinstance(obj, datetime.datetime):
            return {"$date": int(obj.timestamp() * 1000)}
        if isinstance(obj, dict):
            return {k: convert(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [convert(v) for v in obj]
        return obj
    return json.dumps(convert(value), separators=(",", ":"), ensure_ascii=False)


def from_ejson(text):
    def hook(obj):
        if set(obj) == {"$date"} and isinstance(obj["$date"], (int, float)):
            return datetime.datetime.fromtimestamp(obj["$date"] / 1000, datetime.timezone.utc)
        return obj
    return json.loads(text, object_hook=hook)


def json_type(value):
    """How Meteor's check() names a value's type in "Expected X, got Y"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"  # arrays too: typeof [] === "object"
