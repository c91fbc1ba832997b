"""Phone-line commands: a scripted call to the line, synthetic analytics data, erasing a person."""

import time
from pathlib import Path

import click

from core import db as database
from core.cli import check_database, make_app


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--caller", "caller", default="+919800000001", show_default=True, help="Calling number.")
@click.option("--script", type=click.Path(exists=True, dir_okay=False), help="A YAML journey file.")
@click.pass_context
def call(ctx, caller: str, script: str | None) -> None:
    """Make a scripted call to the line and print what the caller hears.

    Steps in order: --press 2 --record story.wav --press 1 --silence --hangup --expect "text",
    or a YAML file: {caller: "+91...", steps: [{press: "2"}, {record: story.wav}, hangup]}.
    """
    from core import sandbox
    from ivr.simulator import CallError, FlaskTransport, SimulatedCall
    from ivr.simulator_script import run_script

    steps, caller = _call_steps(ctx.args, script, caller)
    app = make_app()
    with app.app_context():
        config = app.config
        phone = SimulatedCall(
            FlaskTransport(app), config["TWILIO_AUTH_TOKEN"], config["PUBLIC_BASE_URL"], caller
        )
        try:
            base_dir = Path(script).parent if script else Path.cwd()
            run_script(phone, steps, sandbox.save_recording, say=click.echo, base_dir=base_dir)
        except CallError as error:
            raise click.ClickException(str(error)) from None


def _call_steps(args: list[str], script: str | None, caller: str) -> tuple[list, str]:
    if script:
        import yaml

        journey = yaml.safe_load(Path(script).read_text()) or {}
        return journey.get("steps", []), str(journey.get("caller", caller))
    steps, tokens = [], list(args)
    while tokens:
        action = tokens.pop(0).removeprefix("--").replace("-", "_")
        if action in ("silence", "hangup"):
            steps.append(action)
        elif tokens:
            steps.append({action: tokens.pop(0)})
        else:
            raise click.UsageError(f"--{action} needs a value")
    return steps, caller


@click.group("analytics")
def analytics_group() -> None:
    """Learning analytics."""


@analytics_group.command("seed")
@click.option(
    "--events",
    type=click.IntRange(min=100),
    default=1_000_000,
    show_default=True,
    help="Calls plus listening events to create.",
)
@click.option(
    "--days", type=click.IntRange(min=1), default=180, show_default=True, help="Days the activity spans."
)
@click.option("--database-url", default=None, help="Database to fill (default: DATABASE_URL).")
def analytics_seed(events: int, days: int, database_url: str | None) -> None:
    """Fill a database with synthetic callers, lessons, stories, calls and listening, to measure the pages."""
    from core import seed
    from core.app import create_app
    from ivr import synthetic

    overrides = (
        {"DATABASE_URL": database_url, "SQLALCHEMY_DATABASE_URI": database_url} if database_url else None
    )
    app = create_app(overrides)
    check_database(app)
    database.upgrade(app)
    started = time.monotonic()
    with app.app_context():
        if synthetic.line_has_calls():
            raise click.ClickException("the database already holds calls: seed an empty one (--database-url)")
        seed.seed_reference()
        counts = synthetic.seed(synthetic.Plan(events=events, days=days))
    for table, count in sorted(counts.items()):
        click.echo(f"  {table:22} {count:>9,}")
    click.echo(f"Seeded in {time.monotonic() - started:.0f} s.")


@click.group("people")
def people_group() -> None:
    """Contacts and their personal data."""


@people_group.command("erase")
@click.argument("phone")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def people_erase(phone: str, yes: bool) -> None:
    """Delete everything about the person with this phone number, and print what was removed."""
    from core import people
    from core.logs import mask_phone
    from ivr import (
        contact_erasure,
    )

    app = make_app()
    with app.app_context():
        contact = people.find_contact(phone)
        if contact is None:
            raise click.ClickException(f"no contact with the number {mask_phone(phone)}")
        if not yes:
            click.confirm(f"Delete everything about contact #{contact.id}? This cannot be undone", abort=True)
        erasure = contact_erasure.erase_now(contact, "command")
        click.echo(f"Erasure {erasure.id} of contact #{erasure.contact_id}: {erasure.status}")
        for line in erasure.lines:
            click.echo(f"  {line}")
        if erasure.reason:
            raise click.ClickException(f"not finished, a job will try again: {erasure.reason}")
