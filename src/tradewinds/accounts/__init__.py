"""Who acts: roles and actors. Users, workspaces, sessions and API keys build on these."""

from .roles import Actor, Role, at_least

__all__ = ["Actor", "Role", "at_least"]
