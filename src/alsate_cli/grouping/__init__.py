"""Grouping: fold log entries into distinct issues by program and message template."""

from __future__ import annotations

from alsate_cli.grouping.group import Group
from alsate_cli.grouping.grouper import Grouper
from alsate_cli.grouping.template import template_of

__all__ = ["Group", "Grouper", "template_of"]
