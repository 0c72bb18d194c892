"""How Rocket.Chat 8.x's REST router reads a request before validating it (packages/http-router).

- The query string goes through `qs.parse(query, {arrayLimit: 500, throwOnLimitExceeded: true})`
  (parseQueryParams.ts; qs ^6.14): repeated keys become arrays, `k[]=v` an array, `a[b]=v` an object,
  `a[1]=v` an array, keys named like Object.prototype's properties are dropped, a value that cannot
  be percent-decoded is kept as it was sent, and more than 1000 parameters or 500 repeats are an error.
- The body (Router.ts `parseBodyParams`): JSON when the Content-Type contains `application/json`,
  form fields when it contains `application/x-www-form-urlencoded` (the last of repeated fields wins),
  nothing for `multipart/form-data`, otherwise the text. An empty text is `{}`, an array stays an array,
  anything else is spread into an object (`{...body}`): a number, `true` or `null` becomes `{}`, a
  string an object of its characters by index. A body that cannot be read is `{}`.
tests/contract/test_rest_typings_differential.py checks both against the real `qs` and the router's
code run under Node (tools/oracles/rest-typings/oracle.mjs).
"""

import json
import re
import urllib.parse

PARAMETER_LIMIT = 1000
ARRAY_LIMIT = 500
DEPTH = 5


class QueryError(ValueError):
    """qs refused the query string (the router answers 400 "Invalid query parameters")."""


# Object.prototype's own properties: qs drops a key (or a bracketed segment) named like one.
_PROTOTYPE_NAMES = {"constructor", "__defineGetter__", "__defineSetter__", "hasOwnProperty", "__lookupGetter__",
                    "__lookupSetter__", "isPrototypeOf", "propertyIsEnumerable", "toString", "valueOf",
                    "__proto__", "toLocaleString"}


class _Hole:
    """A missing index of a sparse JavaScript array (qs compacts them away at the end)."""


_HOLE = _Hole()


def _decode(text):
    """qs's decoder: '+' is a space, then decodeURIComponent; what cannot be decoded stays as it is."""
    text = text.replace("+", " ")
    try:
        return urllib.parse.unquote(text, errors="strict") if _valid_percent(text) else text
    except UnicodeDecodeError:
        return text


def _valid_percent(text):
    # decodeURIComponent throws on a '%' not followed by two hex digits
    return all(re.match(r"[0-9a-fA-F]{2}", text[i + 1:i + 3]) for i, c in enumerate(text) if c == "%")


def _combine(a, b):
    return (a if isinstance(a, list) else [a]) + (b if isinstance(b, list) else [b])


def _parse_values(query):
    query = re.sub("%5[dD]", "]", re.sub("%5[bB]", "[", query))
    parts = query.split("&")
    if len(parts) > PARAMETER_LIMIT:
        raise QueryError("Parameter limit exceeded")
    values = {}
    for part in parts:
        bracket_equals = part.find("]=")
        pos = part.find("=") if bracket_equals == -1 else bracket_equals + 1
        if pos == -1:
            key, value = _decode(part), ""
        else:
            key = _decode(part[:pos])
            current = values.get(key)
            if isinstance(current, list) and len(current) >= ARRAY_LIMIT:
                raise QueryError("Array limit exceeded")
            value = _decode(part[pos + 1:])
        values[key] = _combine(values[key], value) if key in values else value
    return values


def _split_key(key):
    """qs parseKeys: the parent and up to DEPTH bracketed segments; None drops the key."""
    if not key:
        return None
    found = re.search(r"\[[^[\]]*\]", key)
    parent = key[:found.start()] if found else key
    chain = []
    if parent:
        if parent in _PROTOTYPE_NAMES:
            return None
        chain.append(parent)
    segments = list(re.finditer(r"\[[^[\]]*\]", key))
    for segment in segments[:DEPTH]:
        if segment.group()[1:-1] in _PROTOTYPE_NAMES:
            return None
        chain.append(segment.group())
    if len(segments) > DEPTH:
        chain.append("[" + key[segments[DEPTH].start():] + "]")
    return chain


def _build(chain, leaf):
    """qs parseObject."""
    for root in reversed(chain):
        if root == "[]":
            leaf = _combine([], leaf)
            continue
        clean = root[1:-1] if root.startswith("[") and root.endswith("]") else root
        if root != clean and re.fullmatch(r"0|[1-9][0-9]*", clean) and int(clean) <= ARRAY_LIMIT:
            array = [_HOLE] * int(clean) + [leaf]
            leaf = array
        elif clean != "__proto__":
            leaf = {clean: leaf}
        else:
            leaf = {}
    return leaf


def _array_to_object(array):
    return {str(i): v for i, v in enumerate(array) if v is not _HOLE}


def _merge(target, source):
    """qs utils.merge."""
    if not isinstance(source, (dict, list)):
        if isinstance(target, list):
            target.append(source)
        elif isinstance(target, dict):
            if source not in _PROTOTYPE_NAMES:
                target[source] = True
        else:
            return [target, source]
        return target
    if not isinstance(target, (dict, list)):
        return [target] + (source if isinstance(source, list) else [source])
    if isinstance(target, list) and isinstance(source, list):
        for index, item in enumerate(source):
            if item is _HOLE:
                continue
            if index < len(target) and target[index] is not _HOLE:
                if isinstance(target[index], (dict, list)) and isinstance(item, (dict, list)):
                    target[index] = _merge(target[index], item)
                else:
                    target.append(item)
            else:
                target.extend([_HOLE] * (index + 1 - len(target)))
                target[index] = item
        return target
    merged = _array_to_object(target) if isinstance(target, list) else target
    items = _array_to_object(source).items() if isinstance(source, list) else source.items()
    for key, value in items:
        merged[key] = _merge(merged[key], value) if key in merged else value
    return merged


def _compact(value):
    if isinstance(value, list):
        return [_compact(v) for v in value if v is not _HOLE]
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    return value


def parse_query(query):
    """The query string as the router hands it to the validators: a dict (values: str, list, dict)."""
    result = {}
    if not query:
        return result
    for key, value in _parse_values(query).items():
        chain = _split_key(key)
        if chain is None:
            continue
        result = _merge(result, _build(chain, value))
    return _compact(result)


def parse_js_json(text):
    """JSON.parse: Python's parser also takes NaN and Infinity, JavaScript's does not."""
    def refuse(name):
        raise ValueError("%s is not JSON" % name)
    return json.loads(text, parse_constant=refuse)


def parse_body(raw, content_type):
    """Router.ts parseBodyParams: the body the validators and the handler see (dict or list)."""
    content_type = content_type or ""  # the router's `includes` checks are case-sensitive
    if "multipart/form-data" in content_type:
        return {}
    text = raw.decode("utf-8", "replace")
    if "application/x-www-form-urlencoded" in content_type and "application/json" not in content_type:
        return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))  # a byte order mark stays in the name
    if text.startswith("\ufeff"):  # json() and text() decode UTF-8 dropping a byte order mark
        text = text[1:]
    if "application/json" in content_type:
        try:
            body = parse_js_json(text)
        except ValueError:
            return {}
    else:
        body = text
    if body == "":
        return {}
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        return dict(body)
    if isinstance(body, str):
        # {...text}: one property per UTF-16 code unit (an emoji gives its two surrogates)
        units = body.encode("utf-16-le", "surrogatepass")
        return {str(i): units[2 * i:2 * i + 2].decode("utf-16-le", "surrogatepass") for i in range(len(units) // 2)}
    return {}
