"""Fixtures that build real journal files (systemd-journal-remote) for tests."""
