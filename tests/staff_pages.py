"""The staff pages a browser test walks: every page without parameters that some staff role may open."""

# Pages that are downloads or data for scripts, not pages a person reads.
NOT_PAGES = (".csv", ".json", "/api/inbox")


def staff_pages(app) -> list[str]:
    """Every GET page without parameters that declares the staff roles allowed on it."""
    rules = [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments]
    declared = [
        rule.rule for rule in rules if getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
    ]
    return sorted(path for path in declared if not path.endswith(NOT_PAGES))
