"""`chaupal up` in production makes no demo accounts and prints no passwords.

Finding reproduced (issue 17, item 18): `chaupal up` in production seeded demo accounts and printed
their passwords on the console.
"""

from sqlalchemy import func, select

from core import cli
from core.db import db
from core.models import Contact, Language, StaffUser


def test_first_start_in_production_seeds_reference_data_only(app, monkeypatch, capsys):
    monkeypatch.setitem(app.config, "CHAUPAL_ENV", "production")
    cli.seed_on_first_run(app)
    out = capsys.readouterr().out
    assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 0
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
    assert db.session.scalar(select(func.count()).select_from(Language)) > 0  # callers still hear a menu
    assert "Demo staff accounts" not in out and "chaupal user create" in out


def test_first_start_in_development_still_makes_the_demo(app, monkeypatch, capsys):
    # Only whether the demo steps are asked for: what they make is tests/ivr/test_demo.py's subject, and
    # tests/core/test_demo.py runs the whole first start (`chaupal up --setup-only`) in development.
    asked = []
    monkeypatch.setattr(cli, "seed_packages", lambda app, demo: asked.append(demo) or [])
    cli.seed_on_first_run(app)
    assert asked == [True]
    assert "Demo staff accounts" in capsys.readouterr().out
    assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 3
