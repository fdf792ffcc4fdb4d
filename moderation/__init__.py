"""Atelier's moderation engine: a pure rule library, no Discord and no HTTP inside.

``Moderator().decide(text, policy)`` returns a ``Decision``: allow, rewrite (with the rewritten prompt), flag or
block, with the category, the entity or rule that fired and a reason a member can read.
"""

from moderation.engine import Decision, Moderator
from moderation.policy import PRESETS, Action, Policy, PolicyError
from moderation.ruleset import Category, Entity, load_ruleset

__all__ = ["PRESETS", "Action", "Category", "Decision", "Entity", "Moderator", "Policy", "PolicyError", "load_ruleset"]
