"""The part of AJV 8 (JSON Schema draft 2020-12) that Rocket.Chat's request schemas use.

Rocket.Chat validates query strings and bodies with the AJV instances of `@rocket.chat/rest-typings`
(`dist/v1/Ajv.js`): bodies with `coerceTypes: true`, query strings with `coerceTypes: "array"`,
`allErrors` off, `strictNumbers` on (AJV's default). The schemas themselves are not written here:
they are generated from the npm package (tools/oracles/rest-typings, `rest_typings.json`), and
tests/contract/test_rest_typings_differential.py runs AJV itself beside this module.

What AJV does, and this module repeats:
- keywords run group by group (untyped: const, enum, not, anyOf, oneOf, allOf; then string: minLength,
  maxLength, pattern; array: minItems, maxItems, items; object: required, additionalProperties,
  properties), and the first failing keyword ends the schema;
- a wrong type is coerced when the type allows it (the coerced value replaces the data the handler
  sees), otherwise it is the error "must be <type>";
- inside anyOf/oneOf the branches' errors are collected; they are dropped when the keyword passes.
Any keyword this module does not know is refused when the schemas are loaded, so a regenerated
schema that needs more of AJV fails loudly instead of being half-checked.
"""

import copy
import math
import re

KNOWN_KEYWORDS = {
    "type", "nullable", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
    "minLength", "maxLength", "enum", "const", "anyOf", "oneOf", "allOf", "not", "pattern",
    # annotations: no effect on validation
    "description", "title", "examples", "default", "$schema", "$id", "deprecated",
}

# ECMAScript's StrWhiteSpaceChar (WhiteSpace and LineTerminator), what Number("...") trims.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\Z")
_JS_RADIX = {"x": (16, "0123456789abcdefABCDEF"), "o": (8, "01234567"), "b": (2, "01")}


def js_to_number(text):
    """JavaScript's Number(text) for a string (NaN for what it cannot read)."""
    text = text.strip(_JS_SPACE)
    if text == "":
        return 0
    if len(text) > 2 and text[0] == "0" and text[1].lower() in _JS_RADIX:
        base, digits = _JS_RADIX[text[1].lower()]
        return int(text[2:], base) if all(c in digits for c in text[2:]) else math.nan
    if not _JS_DECIMAL.match(text):
        return math.nan
    return float(text.replace("Infinity", "inf"))


def js_number_text(number):
    """JavaScript's String(number) (ECMAScript Number::toString)."""
    if isinstance(number, int) and not isinstance(number, bool):
        number = float(number) if abs(number) >= 10 ** 21 else number
        if isinstance(number, int):
            return str(number)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    mantissa, _, exponent = ("%r" % abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction.rstrip("0")).lstrip("0") or "0"
    # n: the position of the decimal point relative to the digits (ECMAScript's n)
    point = len(whole.lstrip("0")) if whole.strip("0") else -(len(fraction) - len(fraction.lstrip("0")))
    point += int(exponent or 0)
    k = len(digits)
    if k <= point <= 21:
        text = digits + "0" * (point - k)
    elif 0 < point <= 21:
        text = digits[:point] + "." + digits[point:]
    elif -6 < point <= 0:
        text = "0." + "0" * -point + digits
    else:
        power = point - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if power >= 0 else "-") + str(abs(power))
    return sign + text


def js_number(value):
    """A Python number as JavaScript keeps it: integral floats become ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def has_type(value, kind):
    """AJV's checkDataType (strictNumbers on)."""
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "number":
        return _is_number(value)
    if kind == "integer":
        return _is_number(value) and float(value).is_integer()
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    raise ValueError("unknown JSON type %r" % kind)


_NOT_COERCED = object()


def _coerce_to(value, kind, coerce_types):
    """AJV's coerceSpecificType: the coerced value, or _NOT_COERCED."""
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return js_number_text(value)
        if value is None:
            return ""
    elif kind in ("number", "integer"):
        if isinstance(value, bool):
            return int(value)
        if value is None:
            return 0
        if isinstance(value, str) and value:
            number = js_to_number(value)
            if not math.isnan(number) and (kind == "number" or float(number).is_integer()):
                return js_number(number)
    elif kind == "boolean":
        if value == "false" or value is None or (value == 0 and not isinstance(value, (str, bool))):
            return False
        if value == "true" or (value == 1 and not isinstance(value, (str, bool))):
            return True
    elif kind == "null":
        if value == "" or value is False or (value == 0 and not isinstance(value, (str, bool))):
            return None
    elif kind == "array" and coerce_types == "array":
        if value is None or isinstance(value, (str, int, float)):
            return [value]
    return _NOT_COERCED


COERCIBLE = ("string", "number", "integer", "boolean", "null")


def _json_equal(a, b):
    """JSON equality (AJV's fast-deep-equal): true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


class Validator:
    """One compiled schema: `validate(data)` -> (valid, coerced data, AJV error messages)."""

    def __init__(self, schema, coerce_types):
        check_keywords(schema)
        self.schema = schema
        self.coerce_types = coerce_types

    def validate(self, data):
        """Validate a copy of `data`; coercions change the copy in place, as AJV changes the request's
        data (also inside an anyOf/oneOf branch that fails)."""
        errors = []
        valid, data = self._schema(self.schema, copy.deepcopy(data), errors)
        return valid, data, [] if valid else errors

    # Each step returns (valid, data): data is the same object, changed in place, unless the value itself
    # was coerced (then the caller stores the new value where the old one was).
    def _schema(self, schema, data, errors):
        if schema is True or schema == {}:
            return True, data
        if schema is False:
            errors.append("boolean schema is false")
            return False, data
        types = schema.get("type", [])
        types = list(types) if isinstance(types, list) else [types]
        if schema.get("nullable") is True and "null" not in types:
            types.append("null")
        type_error = "must be %s" % (",".join(schema["type"]) if isinstance(schema.get("type"), list)
                                     else schema.get("type"))
        coerce_to = [t for t in types if self.coerce_types and (
            t in COERCIBLE or (t == "array" and self.coerce_types == "array"))]
        typed_group = {"string": ("minLength", "maxLength", "pattern"), "array": ("minItems", "maxItems", "items"),
                       "object": ("required", "additionalProperties", "properties")}
        late_type_check = (not coerce_to and len(types) == 1
                           and any(k in schema for k in typed_group.get(types[0], ())))
        if types and not late_type_check and not any(has_type(data, t) for t in types):
            coerced = _NOT_COERCED
            candidate = data
            if self.coerce_types == "array" and isinstance(data, list) and len(data) == 1:
                # a one-item array is unwrapped first; the other coercions then work on its item
                candidate = data[0]
                # AJV joins the type checks of this test with "and" (checkDataTypes with Correct), so
                # an item is taken as it is only under a single type ("nullable" adds a second one)
                if all(has_type(candidate, t) for t in types if not (t == "integer" and "number" in types)):
                    coerced = candidate
            for kind in coerce_to:
                if coerced is not _NOT_COERCED:
                    break
                coerced = _coerce_to(candidate, kind, self.coerce_types)
            if coerced is _NOT_COERCED:
                errors.append(type_error)
                return False, data
            data = coerced
        # the untyped group
        for keyword in ("const", "enum", "not", "anyOf", "oneOf", "allOf"):
            if keyword in schema:
                valid = getattr(self, "_" + keyword.lower())(schema[keyword], data, errors)
                if not valid:
                    return False, data
        for kind, keywords in typed_group.items():
            if not any(k in schema for k in keywords):
                continue
            if not has_type(data, kind):
                if late_type_check and types == [kind]:
                    errors.append(type_error)
                    return False, data
                continue
            for keyword in keywords:
                if keyword in schema:
                    if keyword in self._LIMITS:
                        valid, data = self._limit(keyword, schema, data, errors)
                    else:
                        valid, data = getattr(self, "_" + keyword.lower())(schema, data, errors)
                    if not valid:
                        return False, data
        return True, data

    def _const(self, value, data, errors):
        if _json_equal(value, data):
            return True
        errors.append("must be equal to constant")
        return False

    def _enum(self, values, data, errors):
        if any(_json_equal(v, data) for v in values):
            return True
        errors.append("must be equal to one of the allowed values")
        return False

    def _not(self, schema, data, errors):
        if not self._schema(schema, data, [])[0]:
            return True
        errors.append("must NOT be valid")
        return False

    def _anyof(self, schemas, data, errors):
        mark = len(errors)
        for schema in schemas:
            if self._schema(schema, data, errors)[0]:
                del errors[mark:]
                return True
        errors.append("must match a schema in anyOf")
        return False

    def _oneof(self, schemas, data, errors):
        mark = len(errors)
        passing = 0
        for schema in schemas:
            if self._schema(schema, data, errors)[0]:
                passing += 1
                if passing > 1:
                    break
        if passing == 1:
            del errors[mark:]
            return True
        errors.append("must match exactly one schema in oneOf")
        return False

    def _allof(self, schemas, data, errors):
        return all(self._schema(schema, data, errors)[0] for schema in schemas)

    # AJV's limit keywords: (bound holds, message)
    _LIMITS = {
        "minLength": (lambda size, bound: size >= bound, "must NOT have fewer than %d characters"),
        "maxLength": (lambda size, bound: size <= bound, "must NOT have more than %d characters"),
        "minItems": (lambda size, bound: size >= bound, "must NOT have fewer than %d items"),
        "maxItems": (lambda size, bound: size <= bound, "must NOT have more than %d items"),
    }

    def _limit(self, keyword, schema, data, errors):
        holds, message = self._LIMITS[keyword]
        if holds(len(data), schema[keyword]):
            return True, data
        errors.append(message % schema[keyword])
        return False, data

    def _pattern(self, schema, data, errors):
        if re.search(schema["pattern"], data):
            return True, data
        errors.append('must match pattern "%s"' % schema["pattern"])
        return False, data

    def _items(self, schema, data, errors):
        for index, item in enumerate(data):
            valid, data[index] = self._schema(schema["items"], item, errors)
            if not valid:
                return False, data
        return True, data

    def _required(self, schema, data, errors):
        missing = next((key for key in schema["required"] if key not in data), None)
        if missing is None:
            return True, data
        errors.append("must have required property '%s'" % missing)
        return False, data

    def _additionalproperties(self, schema, data, errors):
        extra_schema = schema["additionalProperties"]
        known = schema.get("properties", {})
        for key in list(data):
            if key in known:
                continue
            if extra_schema is False:
                errors.append("must NOT have additional properties")
                return False, data
            valid, data[key] = self._schema(extra_schema, data[key], errors)
            if not valid:
                return False, data
        return True, data

    def _properties(self, schema, data, errors):
        for key, subschema in schema["properties"].items():
            if key in data:
                valid, data[key] = self._schema(subschema, data[key], errors)
                if not valid:
                    return False, data
        return True, data


def check_keywords(schema, where="schema"):
    """Refuse a schema that uses a keyword this module does not implement."""
    if isinstance(schema, bool):
        return
    unknown = set(schema) - KNOWN_KEYWORDS
    if unknown:
        raise ValueError("%s uses AJV keywords the sandbox does not implement: %s" % (where, sorted(unknown)))
    for key, sub in schema.get("properties", {}).items():
        check_keywords(sub, "%s.properties.%s" % (where, key))
    for keyword in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(keyword), dict):
            check_keywords(schema[keyword], "%s.%s" % (where, keyword))
    for keyword in ("anyOf", "oneOf", "allOf"):
        for index, sub in enumerate(schema.get(keyword, ())):
            check_keywords(sub, "%s.%s[%d]" % (where, keyword, index))
