"""Plumbing shared by every package: app factory, configuration, database, queues, auth, Twilio, people and places."""
