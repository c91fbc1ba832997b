"""Which languages have a speech model, and installing and checking the model folders."""

from pathlib import Path

from flask import current_app

from transcription import asr, model_files


def speech_models_report(config: dict) -> dict:
    """Which languages have a model, and what hears the others (for /readyz and `models list`)."""
    report = {
        language: {"model": info.label, "source": info.source, "present": info.path.is_dir()}
        for language, info in model_files.available(config).items()
    }
    fallback = model_files.resolve(None, config)
    report["*"] = {
        "model": fallback.label if fallback else "none: recordings in other languages are not transcribed",
        "source": fallback.source if fallback else "",
        "present": bool(fallback and fallback.path.is_dir()),
    }
    return report


def install_model(language: str, source: Path, sha256: str | None = None) -> model_files.ModelInfo:
    """Install a Vosk model for a language from a zip archive or folder, once it is proven to load."""
    try:
        return model_files.install(language, source, current_app.config, sha256, verify=asr.verify)
    except asr.AsrError as error:
        raise model_files.ModelFileError(str(error)) from error


def check_models() -> list[tuple[model_files.ModelInfo, str]]:
    """Load every model in use and decode a second of silence: [(model, 'ok ...' or the problem)]."""
    config = current_app.config
    fallback = model_files.resolve(None, config)
    models = [*model_files.available(config).values(), *([fallback] if fallback else [])]
    outcomes = []
    for info in {m.path: m for m in models}.values():
        missing = model_files.problems(info.path)
        if missing:
            outcomes.append((info, "; ".join(missing)))
            continue
        try:
            outcomes.append((info, f"ok (loaded in {asr.verify(info.path):.1f} s)"))
        except asr.AsrError as error:
            outcomes.append((info, str(error)))
    return outcomes
