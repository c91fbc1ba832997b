"""Speech model folders: install from an archive or folder with a checksum, list, check, readyz."""

import hashlib
import shutil
import zipfile

import pytest
from click.testing import CliRunner

from core.cli import command_line
from tests.transcription_fixtures import TEST_MODEL
from transcription import model_files


def fake_model(folder, name="vosk-model-small-xx-0.22"):
    """A folder shaped like a Vosk model (not loadable: the files hold no model)."""
    root = folder / name
    (root / "am").mkdir(parents=True)
    (root / "conf").mkdir()
    (root / "am" / "final.mdl").write_bytes(b"not a model")
    (root / "conf" / "mfcc.conf").write_text("--sample-frequency=16000\n")
    return root


def zipped(folder, root, name="model.zip"):
    archive = folder / name
    with zipfile.ZipFile(archive, "w") as zip_file:
        for path in root.rglob("*"):
            zip_file.write(path, path.relative_to(root.parent))
    return archive


@pytest.fixture
def config(app, tmp_path):
    return {**app.config, "INSTANCE_PATH": str(tmp_path / "instance"), "VOSK_MODELS": ""}


def test_install_from_a_zip_with_its_checksum(config, tmp_path):
    archive = zipped(tmp_path, fake_model(tmp_path))
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    info = model_files.install("xx", archive, config, sha256=digest.upper())
    assert info.path == model_files.models_dir(config) / "xx"
    assert (info.name, info.version, info.source, info.sha256) == (
        "vosk-model-small-xx",
        "0.22",
        "installed",
        digest,
    )
    assert (info.path / "am" / "final.mdl").read_bytes() == b"not a model"
    assert model_files.available(config)["xx"] == info
    assert model_files.resolve("xx", config) == info


def test_reinstalling_replaces_the_model_and_leaves_no_debris(config, tmp_path):
    model_files.install("xx", fake_model(tmp_path / "a"), config)
    newer = fake_model(tmp_path / "b", "vosk-model-small-xx-0.23")
    assert model_files.install("xx", newer, config).version == "0.23"
    assert sorted(p.name for p in model_files.models_dir(config).iterdir()) == ["xx"]


def test_a_wrong_checksum_installs_nothing(config, tmp_path):
    archive = zipped(tmp_path, fake_model(tmp_path))
    with pytest.raises(model_files.ModelFileError, match="checksum mismatch"):
        model_files.install("xx", archive, config, sha256="0" * 64)
    assert "xx" not in model_files.available(config)


def test_an_archive_escaping_its_folder_is_refused(config, tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zip_file:
        zip_file.writestr("../../outside.txt", "x")
    with pytest.raises(model_files.ModelFileError, match="unsafe path"):
        model_files.install("xx", archive, config)
    assert not (tmp_path / "outside.txt").exists()


def test_something_that_is_not_a_model_is_refused(config, tmp_path):
    (tmp_path / "notes").mkdir()
    with pytest.raises(model_files.ModelFileError, match="has no am/final.mdl"):
        model_files.install("xx", tmp_path / "notes", config)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(model_files.ModelFileError, match="neither a folder nor a zip"):
        model_files.install("xx", tmp_path / "notes.txt", config)
    with pytest.raises(model_files.ModelFileError, match="language code"):
        model_files.install("../hi", tmp_path / "notes", config)


@pytest.fixture
def chaupal(app, tmp_path):
    """Run the chaupal command as a shell would, against the test database and Redis."""
    env = {
        "CHAUPAL_ENV": "testing",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": app.config["DATABASE_URL"],
        "REDIS_URL": app.config["REDIS_URL"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "VOSK_MODELS": "",
        "VOSK_DEMO_MODEL": "off",
    }

    def run(*args, **extra_env):
        return CliRunner().invoke(
            command_line(), list(args), env={**env, **extra_env}, catch_exceptions=False
        )

    return run


@pytest.mark.slow  # a real Vosk model or a fresh database upgraded in a subprocess
def test_cli_installs_a_real_model_that_loads(chaupal, tmp_path):
    source = tmp_path / "vosk-model-small-ko-0.22"
    shutil.copytree(TEST_MODEL, source)
    digest = model_files.checksum(source)
    result = chaupal("models", "install", "ko", "--from", str(source), "--sha256", digest)
    assert result.exit_code == 0, result.output
    assert "Installed vosk-model-small-ko 0.22 for 'ko'" in result.output and digest in result.output
    listing = chaupal("models", "list", VOSK_FALLBACK_LANGUAGE="ko")
    assert "ko     vosk-model-small-ko 0.22  [installed]" in listing.output
    assert "*      vosk-model-small-ko 0.22" in listing.output
    check = chaupal("models", "check", VOSK_FALLBACK_LANGUAGE="ko")
    assert check.exit_code == 0 and "ok (loaded in" in check.output


def test_cli_refuses_a_model_that_does_not_load(chaupal, tmp_path):
    result = chaupal("models", "install", "xx", "--from", str(fake_model(tmp_path)))
    assert result.exit_code == 1 and "not a loadable Vosk model" in result.output
    assert not (tmp_path / "instance" / "models" / "xx").exists()


def test_cli_check_fails_without_any_model(chaupal):
    result = chaupal("models", "check")
    assert result.exit_code == 1
    assert (
        "*      none: recordings in other languages are not transcribed" in chaupal("models", "list").output
    )


def test_readyz_reports_which_languages_have_models(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "VOSK_MODELS", f"hi={TEST_MODEL}")
    monkeypatch.setitem(app.config, "VOSK_DEMO_MODEL", "off")
    models = client.get("/readyz").get_json()["speech_models"]
    assert models["hi"] == {"model": "model", "source": "VOSK_MODELS", "present": True}
    assert models["*"]["model"] == "model"  # the fallback language (DEFAULT_LANGUAGE, hi) has one


def test_readyz_labels_the_demo_model(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "VOSK_MODELS", "")
    monkeypatch.setitem(app.config, "VOSK_DEMO_MODEL", "on")
    models = client.get("/readyz").get_json()["speech_models"]
    assert models == {"*": {"model": models["*"]["model"], "source": "demo", "present": True}}
    assert "demo model" in models["*"]["model"]
