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


def pages_of_single_things(officer, person_name: str, campaign_name: str) -> list[str]:
    """A person, a lesson, a campaign, a quiz item and a course made for `officer`; the pages of each."""
    from tests.campaigns_fixtures import make_campaign, make_lesson
    from tests.factories import make_contact
    from tests.learning_fixtures import make_course, make_item

    person = make_contact(name=person_name, district="Sitapur", role="mason")
    lesson = make_lesson()  # titled "Twin pits (hi)"
    campaign = make_campaign(user=officer, name=campaign_name)
    item = make_item(lesson=lesson)
    course = make_course([lesson], post_items=[item])
    return [
        f"/people/{person.id}",
        f"/audio/lessons/{lesson.id}",
        f"/campaigns/{campaign.id}",
        f"/campaigns/{campaign.id}/edit",
        f"/learning/courses/{course.id}",
        f"/learning/items/{item.id}",
    ]
