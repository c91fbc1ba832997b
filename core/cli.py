"""The chaupal command: up, web, worker, db, user, seed, geo, analytics."""

import os
import shutil
import signal
import sys
from pathlib import Path

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from core import config as settings
from core import db as database
from core import queue, workers
from core.supervisor import Supervisor


def make_app():
    from core.app import create_app

    return create_app()


def check_database(app) -> None:
    """Stop with one line naming DATABASE_URL when the database cannot be reached."""
    with app.app_context():
        try:
            database.ping()
        except SQLAlchemyError as error:
            url = make_url(app.config["DATABASE_URL"]).render_as_string(hide_password=True)
            reason = str(error.orig if hasattr(error, "orig") else error).splitlines()[0]
            raise settings.ConfigError(f"DATABASE_URL: cannot connect to {url} ({reason})") from None


@click.group()
def cli() -> None:
    """Chaupal: a voice learning line for sanitation field workers."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--setup-only", is_flag=True, help="Apply migrations and make the demo, then stop.")
def up(host: str, port: int, setup_only: bool) -> None:
    """Run everything: embedded Redis if needed, migrations, demo data, web server and workers."""
    supervisor = Supervisor()
    # Links and signatures must name the address this server really listens on.
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")
    try:
        env = supervisor.start_redis_if_needed()
        app = make_app()
        check_database(app)
        database.upgrade(app)
        seed_on_first_run(app)
        if setup_only:
            return
        env.update(metrics_folder(app))
        supervisor.start("web", [*gunicorn_command(host, port, workers=2)], env)
        for name in queue.QUEUES:
            supervisor.start(f"worker:{name}", worker_command(name), env)
        supervisor.start("cron", [sys.executable, "-m", "core.cli", "cron"], env)
        click.echo(f"Chaupal is running at http://{host}:{port}  (Ctrl-C stops everything)")
        supervisor.wait()
    finally:
        supervisor.stop_all()


def metrics_folder(app) -> dict:
    """A fresh folder where every web process writes its webhook timings, so /metrics adds them all up."""
    folder = Path(app.instance_path) / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return {"PROMETHEUS_MULTIPROC_DIR": str(folder)}


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--timeout",
        "30",
        "--graceful-timeout",
        "10",
        "--chdir",
        str(settings.ROOT),
        "wsgi:app",
    ]


# On one machine the web server comes first: a webhook waiting for the CPU is dead air on a call,
# while background work only finishes a little later. Campaign sends keep their pace best (5);
# imports, exports and audio conversion next (10); speech decoding, the heaviest, last (19).
WORKER_NICENESS = {"campaigns": 5, "default": 10, "audio": 10, "transcription": 19}


def worker_command(queue_name: str) -> list[str]:
    """The command `chaupal up` runs for one queue's worker, at that queue's CPU priority."""
    niceness = WORKER_NICENESS.get(queue_name, 10)
    return [sys.executable, "-m", "core.cli", "worker", queue_name, "--nice", str(niceness)]


def seed_on_first_run(app) -> None:
    """Seed reference and demo data into an empty database, printing the staff logins once."""
    from core import seed

    with app.app_context():
        if seed.already_seeded():
            return
        seed.seed_reference()
        if (
            app.config["CHAUPAL_ENV"] == "production"
        ):  # no known accounts, passwords on a console or demo people
            for problem in seed_packages(app, demo=False):
                click.echo(f"Reference data: {problem}")
            click.echo(
                "Production: no demo data or accounts. Create the first admin with "
                "'chaupal user create NAME --role admin'."
            )
            return
        logins = seed.seed_demo_staff()
        for problem in seed_packages(app, demo=True):
            click.echo(f"Demo: {problem}")
        click.echo("Demo staff accounts (shown once; change them with 'chaupal user password'):")
        for username, role, password in logins:
            click.echo(f"  {role:8} {username:10} {password}")


def seed_packages(app, demo: bool) -> list[str]:
    """Let each package that declared a seed step add its own starter content, lowest layer first.

    Returns one line for each demo part that could not be made, for the console (a log line goes unseen).
    """
    problems = []
    for seed_step in app.extensions["chaupal.seeders"]:
        problems += seed_step(demo=demo) or []
    return problems


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", default=2, show_default=True)
def web(host: str, port: int, workers: int) -> None:
    """Run the web server (gunicorn)."""
    app = make_app()
    check_database(app)
    os.execv(sys.executable, gunicorn_command(host, port, workers))


@cli.command()
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--scheduler/--no-scheduler", default=True, help="Run scheduled jobs and retries.")
@click.option(
    "--nice", "niceness", default=0, type=click.IntRange(0, 19), help="Lower CPU priority by this much."
)
def worker(queues: tuple[str, ...], burst: bool, scheduler: bool, niceness: int) -> None:
    """Run an RQ worker for the named queues (all when none are named)."""
    unknown = set(queues) - set(queue.QUEUES)
    if unknown:
        raise click.UsageError(f"unknown queue(s): {', '.join(sorted(unknown))}")
    # Speech decoding on the web server's machine must yield the CPU to webhooks (dead air otherwise).
    os.nice(niceness)
    app = make_app()
    check_database(app)
    names = list(queues or queue.QUEUES)
    preload(app, names)
    workers.run_worker(app, names, burst=burst, with_scheduler=scheduler)


def preload(app, queue_names: list[str]) -> None:
    """Load heavy things (speech models) once, before work-horses fork."""
    for name in queue_names:
        load = app.extensions["chaupal.preload"].get(name)
        if load:
            with app.app_context():
                load()


@cli.command()
def cron() -> None:
    """Enqueue the packages' periodic jobs (sweepers, retention, digests) on time."""
    app = make_app()
    jobs = queue.periodic_jobs(app)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    click.echo(f"cron: {len(jobs)} periodic job(s): {', '.join(j.name for j in jobs) or 'none'}")
    with app.app_context():
        queue.run_cron(jobs, should_stop=lambda: bool(stop))


@cli.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration, then the reference data a working line needs (never demo data)."""
    from core import seed

    app = make_app()
    check_database(app)
    database.upgrade(app)
    with app.app_context():
        seed.seed_reference()  # languages, topics, geography: without them callers hear an empty menu
        for problem in seed_packages(app, demo=False):
            click.echo(f"Reference data: {problem}")
    click.echo("Database is up to date, with the reference data (languages, topics, places).")


@db_group.command("revision")
@click.option("--package", type=click.Choice(database.MIGRATION_PACKAGES), required=True)
@click.option("-m", "--message", required=True)
def db_revision(package: str, message: str) -> None:
    """Write a migration for one package from the difference between models and database."""
    app = make_app()
    database.upgrade(app)
    with app.app_context():
        path = database.new_revision(app, package, message)
    click.echo(f"Wrote {path}")


@cli.command("seed")
@click.option("--demo/--no-demo", default=False, help="Also add demo staff, contacts and lessons.")
def seed_command(demo: bool) -> None:
    """Load reference data (languages, topics, geography); with --demo, demo content too."""
    from core import seed

    app = make_app()
    with app.app_context():
        seed.seed_reference()
        logins = seed.seed_demo_staff() if demo else []
        problems = seed_packages(app, demo=demo)
    for problem in problems:
        click.echo(f"Demo: {problem}")
    for username, role, password in logins:
        click.echo(f"  {role:8} {username:10} {password}")


@cli.group("user")
def user_group() -> None:
    """Staff accounts."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "curator", "officer"]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--district", "districts", multiple=True, help="District name (officers).")
@click.option("--expert", is_flag=True, help="May answer questions at the help desk.")
def user_create(username, role, password, districts, expert) -> None:
    """Create a staff account."""
    from core import seed
    from core.auth import create_staff

    app = make_app()
    with app.app_context():
        try:
            user = create_staff(username, password, role, is_expert=expert)
            user.districts = seed.districts_named(districts)
            database.db.session.commit()
        except (ValueError, LookupError) as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Created {role} '{username}'.")


@user_group.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def user_password(username, password) -> None:
    """Set a new password (and end the account's sessions)."""
    from core import seed

    app = make_app()
    with app.app_context():
        try:
            seed.set_password(username, password)
        except (ValueError, LookupError) as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Password changed for '{username}'.")


@cli.group("geo")
def geo_group() -> None:
    """Geography reference data."""


@geo_group.command("import")
@click.argument("csv_file", type=click.File(encoding="utf-8-sig"))
@click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
def geo_import(csv_file, dry_run: bool) -> None:
    """Import state,district,block,gram_panchayat rows; nothing is imported if any row is bad."""
    from core import seed

    app = make_app()
    with app.app_context():
        report = seed.import_geography(csv_file, dry_run=dry_run)
    for line in report.lines():
        click.echo(line)
    if report.errors:
        sys.exit(1)


def command_line() -> click.Group:
    """The whole `chaupal` command: core's commands and the domain packages' own, named here in one place."""
    from ivr import commands as phone_line_commands
    from learning import commands as lesson_commands
    from transcription import commands as model_commands

    cli.add_command(phone_line_commands.call)
    cli.add_command(phone_line_commands.analytics_group)
    cli.add_command(phone_line_commands.people_group)
    cli.add_command(lesson_commands.lessons_group)
    cli.add_command(model_commands.models_group)
    return cli


def main() -> None:
    """Entry point: run a command, turning configuration errors into one readable line."""
    try:
        command_line().main(standalone_mode=False)
    except settings.ConfigError as error:
        click.echo(f"chaupal: configuration error: {error}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)


if __name__ == "__main__":
    main()
