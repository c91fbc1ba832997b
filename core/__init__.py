"""Plumbing shared by every package: app factory, configuration, database, queues, auth, Twilio, people and places."""

# The release, read by packaging (pyproject.toml: dynamic version) and shown on the admins' system page.
__version__ = "0.1.0"
