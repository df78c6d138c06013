"""Who acts: roles and actors; workspaces, users, sessions, login links, API keys and quotas (:mod:`.service`)."""

from .roles import Actor, Role, at_least, rank, weakest

__all__ = ["Actor", "Role", "at_least", "rank", "weakest"]
