"""The chaupal command: up, web, worker, db, user, seed, geo, analytics."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from core import config as settings
from core import db as database
from core import queue, workers


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


def worker_command(queue_name: str) -> list[str]:
    return [sys.executable, "-m", "core.cli", "worker", queue_name]


class Supervisor:
    """Starts child processes in their own process groups, starts again any that dies, stops them all together.

    A crashed Redis, worker or cron comes back by itself (after 1, 2, 4... up to 30 s if it keeps dying);
    the web server never stops because something else did.
    """

    MAX_BACKOFF_SECONDS = 30

    def __init__(self):
        self.children: dict[str, subprocess.Popen] = {}
        self.starters: dict[str, Callable[[], subprocess.Popen | None]] = {}
        self.restarts: dict[str, int] = {}
        self.next_start: dict[str, float] = {}
        self.stopping = False
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum, _frame) -> None:
        self.stopping = True

    def start_redis_if_needed(self) -> dict:
        """Start the embedded server when REDIS_URL is unset; return the children's environment."""
        env = dict(os.environ)
        if os.environ.get("REDIS_URL"):
            return env
        instance = Path(settings.build_config()["INSTANCE_PATH"])
        self._run("redis", lambda: queue.start_embedded(instance))
        env["REDIS_URL"] = queue.embedded_url(instance)
        return env

    def start(self, name: str, command: list[str], env: dict) -> None:
        self._run(name, lambda: subprocess.Popen(command, env=env, cwd=settings.ROOT, start_new_session=True))

    def _run(self, name: str, starter: Callable[[], subprocess.Popen | None]) -> None:
        self.starters[name] = starter
        process = starter()
        if process is not None:
            self.children[name] = process

    def wait(self) -> None:
        while not self.stopping:
            self.check()
            time.sleep(0.5)

    def check(self, now: float | None = None) -> None:
        """Start again each child that has stopped, once its back-off has passed."""
        now = time.monotonic() if now is None else now
        for name, process in list(self.children.items()):
            if process.poll() is None or self.stopping:
                continue
            if name not in self.next_start:
                self._schedule_restart(name, process.returncode, now)
            elif now >= self.next_start[name]:
                self._restart(name)

    def _schedule_restart(self, name: str, code: int, now: float) -> None:
        delay = min(2 ** self.restarts.get(name, 0), self.MAX_BACKOFF_SECONDS)
        self.restarts[name] = self.restarts.get(name, 0) + 1
        self.next_start[name] = now + delay
        click.echo(f"{name} stopped unexpectedly (exit {code}); starting it again in {delay} s")

    def _restart(self, name: str) -> None:
        del self.next_start[name]
        try:
            process = self.starters[name]()
        except (OSError, settings.ConfigError) as error:
            click.echo(f"{name} could not start again: {error}")
            return  # still dead: the next check schedules another try
        if process is not None:
            self.children[name] = process
        else:
            self.children.pop(name)  # already running again (an embedded Redis someone else started)

    def stop_all(self) -> None:
        """Workers and web first, the Redis server last, so no job is cut off mid-write."""
        redis = self.children.pop("redis", None)
        for process in self.children.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.children.values():
            queue.stop_process(process, timeout=20, signalled=True)
        if redis is not None:
            queue.stop_process(redis)
        click.echo("Chaupal stopped.")


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
            click.echo("Production: no demo data or accounts. Create the first admin with "
                       "'chaupal user create NAME --role admin'.")  # fmt: skip
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
    click.echo(f"cron: {len(jobs)} periodic job(s): {', '.join(j.func for j in jobs) or 'none'}")
    with app.app_context():
        queue.run_cron(jobs, should_stop=lambda: bool(stop))


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--caller", "caller", default="+919800000001", show_default=True, help="Calling number.")
@click.option("--script", type=click.Path(exists=True, dir_okay=False), help="A YAML journey file.")
@click.pass_context
def call(ctx, caller: str, script: str | None) -> None:
    """Make a scripted call to the line and print what the caller hears.

    Steps in order: --press 2 --record story.wav --press 1 --silence --hangup --expect "text",
    or a YAML file: {caller: "+91...", steps: [{press: "2"}, {record: story.wav}, hangup]}.
    """
    from core import sandbox
    from ivr.simulator import CallError, FlaskTransport, SimulatedCall, run_script

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


@cli.group("analytics")
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


@cli.group("lessons")
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


@cli.group("models")
def models_group() -> None:
    """Speech recognition (Vosk) models."""


@models_group.command("list")
def models_list() -> None:
    """Which languages have a model, and which model hears the others ('*')."""
    from transcription import (
        speech_models,
    )

    app = make_app()
    for language, entry in speech_models.speech_models_report(app.config).items():
        missing = "" if entry["present"] else "  (folder missing)"
        click.echo(f"{language:6} {entry['model']}  [{entry['source'] or '-'}]{missing}")


@models_group.command("check")
def models_check() -> None:
    """Load every model in use and decode a second of silence; exit 1 if one fails."""
    from transcription import (
        speech_models,
    )

    app = make_app()
    with app.app_context():
        outcomes = speech_models.check_models()
    for info, outcome in outcomes:
        click.echo(f"{info.language:6} {info.label}: {outcome}")
    if not outcomes or any(not outcome.startswith("ok") for _, outcome in outcomes):
        sys.exit(1)


@models_group.command("install")
@click.argument("language")
@click.option("--from", "source", required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--sha256", help="Expected SHA-256 of the archive (or of the folder's files); refused if different."
)
def models_install(language: str, source: Path, sha256: str | None) -> None:
    """Install a Vosk model for LANGUAGE from a zip archive or folder into the instance folder."""
    from transcription import (
        speech_models,
    )
    from transcription.model_files import ModelFileError

    app = make_app()
    with app.app_context():
        try:
            info = speech_models.install_model(language, source, sha256)
        except ModelFileError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Installed {info.label} for '{language}' at {info.path} (sha256 {info.sha256}).")
    click.echo("Restart the transcription workers to load it.")


@cli.group("people")
def people_group() -> None:
    """Contacts and their personal data."""


@people_group.command("erase")
@click.argument("phone")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def people_erase(phone: str, yes: bool) -> None:
    """Delete everything about the person with this phone number, and print what was removed."""
    from core import people
    from core.logs import mask_phone
    from ivr import services as phone_line

    app = make_app()
    with app.app_context():
        contact = people.find_contact(phone)
        if contact is None:
            raise click.ClickException(f"no contact with the number {mask_phone(phone)}")
        if not yes:
            click.confirm(f"Delete everything about contact #{contact.id}? This cannot be undone", abort=True)
        erasure = phone_line.erase_now(contact, "command")
        click.echo(f"Erasure {erasure.id} of contact #{erasure.contact_id}: {erasure.status}")
        for line in erasure.lines:
            click.echo(f"  {line}")
        if erasure.reason:
            raise click.ClickException(f"not finished, a job will try again: {erasure.reason}")


def main() -> None:
    """Entry point: run a command, turning configuration errors into one readable line."""
    try:
        cli.main(standalone_mode=False)
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
