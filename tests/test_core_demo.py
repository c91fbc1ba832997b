"""The demo made on first start: what cannot be made is said on the console, not only in a log."""

import shutil

from core import cli


def test_first_start_says_on_the_console_which_demo_part_could_not_be_made(app, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    cli.seed_on_first_run(app)
    out = capsys.readouterr().out
    assert (
        "Demo: espeak-ng is not installed: the starter lessons have no offline audio (run scripts/setup)\n"
        in out
    )
    assert "Demo staff accounts" in out


def test_the_run_command_installs_espeak_ng_with_the_other_system_packages():
    setup = (cli.settings.ROOT / "scripts" / "setup").read_text()
    assert "system_packages=(ffmpeg espeak-ng)" in setup
