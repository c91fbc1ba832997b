"""Hypothesis strategies from the JSON Schema subset the API's document uses (types, enums, bounds,
lengths, patterns, arrays, objects with required and optional properties, date and date-time formats).

hypothesis-jsonschema would do this, but its releases lag Hypothesis's internals; this covers what we write.
"""

from datetime import UTC

from hypothesis import strategies as st

DATE = st.dates().map(lambda d: d.isoformat())
DATE_TIME = st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z"))


def from_schema(schema: dict):
    """Values valid against schema (mostly; a pattern is honoured, formats beyond dates are not)."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kinds = schema.get("type", "object")
    if isinstance(kinds, list):
        return st.one_of([from_schema({**schema, "type": kind}) for kind in kinds])
    return BUILDERS[kinds](schema)


def _integer(schema: dict):
    return st.integers(schema.get("minimum", -(2**40)), schema.get("maximum", 2**40))


def _string(schema: dict):
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    if schema.get("format") == "date":
        return DATE
    if schema.get("format") == "date-time":
        return DATE_TIME
    return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 40))


def _array(schema: dict):
    items = from_schema(schema.get("items", {"type": "string"}))
    return st.lists(items, min_size=schema.get("minItems", 0), max_size=min(schema.get("maxItems", 5), 5))


def _object(schema: dict):
    properties = schema.get("properties", {})
    required = set(schema.get("required", ()))
    return st.fixed_dictionaries(
        {name: from_schema(properties[name]) for name in properties if name in required},
        optional={name: from_schema(sub) for name, sub in properties.items() if name not in required},
    )


BUILDERS = {
    "integer": _integer,
    "number": lambda schema: st.floats(allow_nan=False, allow_infinity=False),
    "string": _string,
    "boolean": lambda schema: st.booleans(),
    "null": lambda schema: st.none(),
    "array": _array,
    "object": _object,
}
