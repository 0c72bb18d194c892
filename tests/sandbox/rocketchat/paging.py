"""Paged list replies: count/offset as getPaginationItems reads them, `sort` as parseJsonQuery reads it,
and Mongo's order of mixed values."""

import json
import re

from . import ajv, errors
from .encoding import to_json


def js_parse_int(value):
    """parseInt(String(value)): the leading integer of the text, None for NaN."""
    text = ajv.js_number_text(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else str(value)
    found = re.match(r"[\s\ufeff\xa0]*([+-]?[0-9]+)", text)
    return int(found.group(1)) if found else None


def pagination(store, query):
    """getPaginationItems (apps/meteor/app/api/server/helpers/getPaginationItems.ts) on the validated
    query: (offset, count), count 0 meaning all."""
    upper = store.setting("API_Upper_Count_Limit") or 0
    upper = 100 if upper <= 0 else upper
    default = store.setting("API_Default_Count") or 0
    default = 50 if default <= 0 else default
    query = query if isinstance(query, dict) else {}
    # parseInt(String(x)); NOT DETERMINED: what Mongo does with a NaN skip/limit ("Infinity"
    # passes the schema as a number): the sandbox reads NaN as "not given"
    offset = (js_parse_int(query["offset"]) or 0) if query.get("offset") else 0
    count = default
    if query.get("count") is not None:
        count = js_parse_int(query["count"] or 0)
        count = default if count is None else count
    count = min(count, upper)
    if count == 0 and not store.setting("API_Allow_Infinite_Count"):
        count = default
    return max(offset, 0), abs(count)


def requested_sort(query):
    """The query's `sort` as [(field, 1|-1), ...], or None when not given (or `{}`)."""
    raw = query.get("sort")
    if raw is None:
        return None
    try:
        if not isinstance(raw, str):  # qs made it a list or an object: String() of it is no JSON
            raise ValueError
        sort = json.loads(raw)
        if not isinstance(sort, dict) or any(v not in (1, -1) for v in sort.values()):
            raise ValueError
    except ValueError:
        # parseJsonQuery's error (not in the contract; as the server's helper words it)
        raise errors.meteor_error("error-invalid-sort", 'Invalid sort parameter provided: "%s"' % raw,
                                  {"helperMethod": "parseJsonQuery"})
    return list(sort.items()) or None


def sorted_items(items, sort):
    """`items` (dicts) in the order of `sort` ([(field, direction), ...]), as Mongo orders mixed values."""
    def key_for(field):
        def key(item):
            value = item.get(field)
            # Mongo order: missing/null < numbers < strings < objects < arrays < booleans
            if value is None:
                return (0, "")
            if isinstance(value, bool):
                return (5, value)
            if isinstance(value, (int, float)):
                return (1, value)
            if isinstance(value, str):
                return (2, value)
            return (3, to_json(value))
        return key
    for field, direction in reversed(sort):
        items = sorted(items, key=key_for(field), reverse=direction == -1)
    return items


def window(store, query, items):
    """The page of the (already ordered) `items` the query asks for: (page, {count, offset, total})."""
    offset, count = pagination(store, query)
    page = items[offset:offset + count] if count else items[offset:]
    return page, {"count": len(page), "offset": offset, "total": len(items)}


def page(store, query, items):
    """`items` sorted as the query asks (else by _id), then windowed."""
    return window(store, query, sorted_items(items, requested_sort(query) or [("_id", 1)]))
