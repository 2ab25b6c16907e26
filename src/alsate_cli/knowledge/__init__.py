"""Written causes and remediation steps for every detection rule and for common warning messages.

They answer without a model (and before one: a rule's knowledge is reviewed text, which log content cannot steer).
"""

from __future__ import annotations

from alsate_cli.knowledge.base import KnowledgeBase, KnowledgeEntry, KnowledgeError, Step, lookup

__all__ = ["KnowledgeBase", "KnowledgeEntry", "KnowledgeError", "Step", "lookup"]
