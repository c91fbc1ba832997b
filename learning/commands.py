"""Lesson library commands: the starter library and the starter course, loaded from their files."""

import click

from core.cli import check_database, make_app


@click.group("lessons")
def lessons_group() -> None:
    """The lesson library."""


@lessons_group.command("starter")
@click.option("--draft", is_flag=True, help="Add new starter lessons as drafts instead of publishing them.")
def lessons_starter(draft: bool) -> None:
    """Load the starter library from its script files and rebuild its audio; a second run changes nothing."""
    from audio import starter
    from learning import starter_course

    app = make_app()
    check_database(app)
    with app.app_context():
        report = starter.load(publish=not draft)
        course = starter_course.load()
    click.echo(report.line())
    if course is not None:
        click.echo(f"Starter course added: {course.title_en} ({len(course.lessons)} lessons).")
