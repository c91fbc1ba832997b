"""Speech model commands: list, check and install the Vosk models the workers load."""

import sys
from pathlib import Path

import click

from core.cli import make_app


@click.group("models")
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
