"""Accounts: workspaces, users and roles, passwords, sessions, one-time login links, API keys and quotas.

Secrets are never stored: passwords as Argon2id hashes (argon2-cffi), session tokens, login links and API keys as
SHA-256 of 256 random bits (a slow hash buys nothing for a random token, and every request checks one). Logins,
failed logins, key creation, revocation and use, and role changes go into the workspace's hash-chained audit trail
(:mod:`tradewinds.actions.audit`) in the same transaction as the change they record. Key use is recorded when a key
is first used in each hour (its ``last_used_at`` to the minute), not on every request.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ..actions import audit
from ..errors import BadInputError, ConflictError, NotFoundError, PermissionDeniedError, QuotaExceededError, UnauthenticatedError
from .roles import Actor, Role, at_least, weakest
from .schemas import KeyOut, NewKey, Principal, Quotas, UserOut, WorkspaceOut, valid_workspace_id
from .tables import ApiKeyRow, LoginLinkRow, MembershipRow, SessionRow, UsageRow, UserRow, WorkspaceRow

_WS, _USERS, _MEMBERS, _KEYS = WorkspaceRow.__table__, UserRow.__table__, MembershipRow.__table__, ApiKeyRow.__table__
_SESSIONS, _LINKS, _USAGE = SessionRow.__table__, LoginLinkRow.__table__, UsageRow.__table__

SESSION_TTL = timedelta(days=14)
LINK_TTL = timedelta(hours=24)
KEY_TOUCH_S = 60  # last_used_at is written at most once a minute per key
KEY_AUDIT_S = 3600  # and a 'key.used' event at most once an hour
# A key's principal is kept this long in the process that looked it up. A revocation or a role change made in the
# same process takes effect at once; one made by another process (a CLI, another replica) within this many seconds.
KEY_CACHE_S = 2.0
FAILED_LOGINS = (5, 300)  # this many failures for one user name within this many seconds: wait
SYSTEM = Actor(kind="user", id="system", role=Role.owner)

_hasher = PasswordHasher()


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def seconds_to_midnight() -> int:
    now = _now()
    return int((datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1) - now).total_seconds()) + 1


class Accounts:
    def __init__(self, engine: Engine, *, default_quotas: Quotas | None = None) -> None:
        self.engine = engine
        self.default_quotas = default_quotas or Quotas()
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._keys_seen: dict[str, tuple[float, Principal]] = {}  # token hash -> (when looked up, principal)

    # -- workspaces and users -----------------------------------------------------------------------------------
    def ensure_workspace(self, workspace_id: str, name: str | None = None) -> bool:
        """Create the workspace if it does not exist; True when it was created."""
        if not valid_workspace_id(workspace_id):
            raise BadInputError(f"{workspace_id!r} is not a workspace id", hint="use 1-64 of a-z, 0-9, '-' and '_', starting with a letter or digit")
        with self.engine.begin() as conn:
            if conn.execute(select(_WS.c.id).where(_WS.c.id == workspace_id)).first():
                return False
            conn.execute(insert(_WS).values(id=workspace_id, name=name or workspace_id, quotas={}, created_at=_iso(_now())))
        return True

    def workspaces(self, user_id: str) -> list[WorkspaceOut]:
        """The workspaces a user belongs to, with their role in each."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(_WS.c.id, _WS.c.name, _MEMBERS.c.role).join(_MEMBERS, _MEMBERS.c.workspace_id == _WS.c.id)
                                .where(_MEMBERS.c.user_id == user_id).order_by(_WS.c.id)).all()
        return [WorkspaceOut(id=r.id, name=r.name, role=r.role) for r in rows]

    def create_workspace(self, principal: Principal, workspace_id: str, name: str | None = None) -> WorkspaceOut:
        """A new, empty workspace whose owner is the caller (an owner of the workspace they act in)."""
        if principal.role != Role.owner:
            raise PermissionDeniedError("only an owner makes new workspaces", hint="ask an owner of this workspace")
        if not self.ensure_workspace(workspace_id, name):
            raise ConflictError(f"the workspace id {workspace_id!r} is taken", hint="pick another id")
        with self.engine.begin() as conn:
            audit.lock(conn, workspace_id)
            conn.execute(insert(_MEMBERS).values(workspace_id=workspace_id, user_id=principal.user_id, role=Role.owner.value))
            audit.append(conn, workspace_id, "workspace.created", principal.actor, {"name": name or workspace_id, "from": principal.workspace_id})
        return WorkspaceOut(id=workspace_id, name=name or workspace_id, role=Role.owner)

    def auth_configured(self) -> bool:
        """Someone can log in from elsewhere: a user with a password, or a live API key."""
        with self.engine.connect() as conn:
            return (conn.execute(select(_USERS.c.id).where(_USERS.c.password_hash.is_not(None)).limit(1)).first() is not None
                    or conn.execute(select(_KEYS.c.id).where(_KEYS.c.revoked_at.is_(None)).limit(1)).first() is not None)

    def has_users(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(_USERS.c.id).limit(1)).first() is not None

    def add_user(self, workspace_id: str, name: str, role: Role, *, by: Actor, password: str | None = None) -> UserOut:
        """Add a user to a workspace with a role (creating the user when the name is new)."""
        self._may_grant(by, role)
        self.ensure_workspace(workspace_id)
        with self.engine.begin() as conn:
            audit.lock(conn, workspace_id)
            user = conn.execute(select(_USERS).where(_USERS.c.name == name)).first()
            if user is None:
                user_id = _new_id("usr")
                conn.execute(insert(_USERS).values(id=user_id, name=name, disabled=False, created_at=_iso(_now()),
                                                   password_hash=_hasher.hash(password) if password else None))
            else:
                user_id = user.id
                if conn.execute(select(_MEMBERS.c.role).where(_MEMBERS.c.workspace_id == workspace_id, _MEMBERS.c.user_id == user_id)).first():
                    raise ConflictError(f"{name} is already in workspace {workspace_id}", hint="change their role instead")
            conn.execute(insert(_MEMBERS).values(workspace_id=workspace_id, user_id=user_id, role=Role(role).value))
            audit.append(conn, workspace_id, "user.added", by, {"user": name, "role": Role(role).value})
        return self.user(workspace_id, name)

    def user(self, workspace_id: str, name: str) -> UserOut:
        with self.engine.connect() as conn:
            row = conn.execute(select(_USERS, _MEMBERS.c.role).join(_MEMBERS, _MEMBERS.c.user_id == _USERS.c.id)
                               .where(_MEMBERS.c.workspace_id == workspace_id, _USERS.c.name == name)).first()
        if row is None:
            raise NotFoundError(f"no user {name!r} in this workspace", hint="list them with GET /v1/users or `tradewinds users list`")
        return UserOut(name=row.name, role=row.role, has_password=row.password_hash is not None, created_at=row.created_at)

    def users(self, workspace_id: str) -> list[UserOut]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_USERS, _MEMBERS.c.role).join(_MEMBERS, _MEMBERS.c.user_id == _USERS.c.id)
                                .where(_MEMBERS.c.workspace_id == workspace_id).order_by(_USERS.c.name)).all()
        return [UserOut(name=r.name, role=r.role, has_password=r.password_hash is not None, created_at=r.created_at) for r in rows]

    def set_role(self, workspace_id: str, name: str, role: Role, *, by: Actor) -> UserOut:
        before = self.user(workspace_id, name).role
        self._may_grant(by, role)
        self._may_grant(by, before)  # an admin neither makes nor unmakes an owner
        with self.engine.begin() as conn:
            audit.lock(conn, workspace_id)
            user_id = conn.execute(select(_USERS.c.id).where(_USERS.c.name == name)).scalar_one()
            if before == Role.owner and role != Role.owner:
                owners = conn.execute(select(func.count()).select_from(_MEMBERS).where(
                    _MEMBERS.c.workspace_id == workspace_id, _MEMBERS.c.role == Role.owner.value)).scalar()
                if owners <= 1:
                    raise ConflictError(f"{name} is the workspace's only owner", hint="make another user owner first")
            conn.execute(update(_MEMBERS).where(_MEMBERS.c.workspace_id == workspace_id, _MEMBERS.c.user_id == user_id)
                         .values(role=Role(role).value))
            audit.append(conn, workspace_id, "user.role_changed", by, {"user": name, "before": before.value, "after": Role(role).value})
        self._keys_seen.clear()  # the user's keys act with the new role from the next request
        return self.user(workspace_id, name)

    def set_password(self, name: str, password: str) -> None:
        if len(password) < 10:
            raise BadInputError("a password needs at least 10 characters", hint="use a longer one (a passphrase is fine)")
        with self.engine.begin() as conn:
            done = conn.execute(update(_USERS).where(_USERS.c.name == name).values(password_hash=_hasher.hash(password))).rowcount
            if done:  # a new password ends every session of that user
                user_id = conn.execute(select(_USERS.c.id).where(_USERS.c.name == name)).scalar_one()
                conn.execute(_SESSIONS.delete().where(_SESSIONS.c.user_id == user_id))
        if not done:
            raise NotFoundError(f"no user {name!r}", hint="add them first with `tradewinds users add`")

    @staticmethod
    def _may_grant(by: Actor, role: Role) -> None:
        if not at_least(by.role, Role.admin) or (Role(role) == Role.owner and by.role != Role.owner):
            raise PermissionDeniedError(f"{by.role.value} may not grant or change the role {Role(role).value}",
                                        hint="admins manage roles up to admin; only an owner makes owners")

    # -- logging in ---------------------------------------------------------------------------------------------
    def login(self, name: str, password: str, *, workspace_id: str | None = None, source: str = "") -> tuple[Principal, str]:
        """Check a password; a session (principal, token) for the user's workspace (the first one, unless named)."""
        self._throttle(name)
        with self.engine.connect() as conn:
            user = conn.execute(select(_USERS).where(_USERS.c.name == name)).first()
        ok = False
        if user is not None and user.password_hash and not user.disabled:
            try:
                ok = _hasher.verify(user.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        membership = self._membership(user.id, workspace_id) if user is not None else None
        if not ok or membership is None:
            self._failed(name)
            if membership is not None:
                self._audit(membership[0], "login.failed", Actor(kind="user", id=name, role=membership[1]), {"source": source})
            raise UnauthenticatedError("wrong user name or password", hint="check both, or ask an admin for a login link")
        self._failures.pop(name, None)
        if _hasher.check_needs_rehash(user.password_hash):
            self.set_password(name, password)
        return self._start_session(user.id, name, *membership, event="login", detail={"via": "password", "source": source})

    def _throttle(self, name: str) -> None:
        limit, window = FAILED_LOGINS
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if t > time.monotonic() - window]
            self._failures[name] = recent
        if len(recent) >= limit:
            raise QuotaExceededError(f"too many failed logins for {name!r}", hint=f"wait {window // 60} minutes, or ask an admin "
                                     "for a login link", retry_after=int(window - (time.monotonic() - recent[0])) + 1)

    def _failed(self, name: str) -> None:
        with self._lock:
            self._failures.setdefault(name, []).append(time.monotonic())

    def _membership(self, user_id: str, workspace_id: str | None) -> tuple[str, Role] | None:
        query = select(_MEMBERS.c.workspace_id, _MEMBERS.c.role).where(_MEMBERS.c.user_id == user_id)
        if workspace_id is not None:
            query = query.where(_MEMBERS.c.workspace_id == workspace_id)
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(_MEMBERS.c.workspace_id)).first()
        return (row.workspace_id, Role(row.role)) if row else None

    def _start_session(self, user_id: str, name: str, workspace_id: str, role: Role, *, event: str, detail: dict) -> tuple[Principal, str]:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = _now()
        with self.engine.begin() as conn:
            audit.lock(conn, workspace_id)
            conn.execute(_SESSIONS.delete().where(_SESSIONS.c.expires_at < _iso(now)))  # expired ones go as new ones come
            conn.execute(insert(_SESSIONS).values(token_hash=token_hash(token), user_id=user_id, workspace_id=workspace_id, csrf=csrf,
                                                  created_at=_iso(now), expires_at=_iso(now + SESSION_TTL)))
            audit.append(conn, workspace_id, event, Actor(kind="user", id=name, role=role), detail)
        return Principal(workspace_id=workspace_id, user_id=user_id, user=name, role=role, via="session", csrf=csrf), token

    def session(self, token: str) -> Principal | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(_SESSIONS.c.workspace_id, _SESSIONS.c.csrf, _SESSIONS.c.expires_at, _USERS.c.id, _USERS.c.name, _USERS.c.disabled,
                       _MEMBERS.c.role)
                .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
                .join(_MEMBERS, and_(_MEMBERS.c.user_id == _USERS.c.id, _MEMBERS.c.workspace_id == _SESSIONS.c.workspace_id))
                .where(_SESSIONS.c.token_hash == token_hash(token))).first()
        if row is None or row.disabled or row.expires_at < _iso(_now()):
            return None
        return Principal(workspace_id=row.workspace_id, user_id=row.id, user=row.name, role=row.role, via="session", csrf=row.csrf)

    def switch_session(self, token: str, workspace_id: str, *, source: str = "") -> Principal:
        """Move a session to another of its user's workspaces (a new CSRF token); not a member: 404."""
        current = self.session(token)
        if current is None:
            raise UnauthenticatedError("your session has ended: log in again", hint="open /login")
        membership = self._membership(current.user_id, workspace_id)
        if membership is None:
            raise NotFoundError(f"no workspace {workspace_id!r} of yours", hint="the workspace list on the Keys and users page")
        csrf = secrets.token_urlsafe(24)
        with self.engine.begin() as conn:
            audit.lock(conn, workspace_id)
            conn.execute(update(_SESSIONS).where(_SESSIONS.c.token_hash == token_hash(token)).values(workspace_id=workspace_id, csrf=csrf))
            audit.append(conn, workspace_id, "login", Actor(kind="user", id=current.user, role=membership[1]),
                         {"via": "switch", "from": current.workspace_id, "source": source})
        return current.model_copy(update={"workspace_id": workspace_id, "role": membership[1], "csrf": csrf})

    def logout(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(_SESSIONS.delete().where(_SESSIONS.c.token_hash == token_hash(token)))

    def login_link(self, workspace_id: str, name: str, *, ttl: timedelta = LINK_TTL) -> str:
        """A one-time login token for a user of the workspace (the path is /login/<token>)."""
        with self.engine.begin() as conn:
            user_id = conn.execute(select(_USERS.c.id).join(_MEMBERS, _MEMBERS.c.user_id == _USERS.c.id)
                                   .where(_USERS.c.name == name, _MEMBERS.c.workspace_id == workspace_id)).scalar()
            if user_id is None:
                raise NotFoundError(f"no user {name!r} in workspace {workspace_id}", hint="add them with `tradewinds users add`")
            token = secrets.token_urlsafe(32)
            conn.execute(insert(_LINKS).values(token_hash=token_hash(token), user_id=user_id, workspace_id=workspace_id,
                                               expires_at=_iso(_now() + ttl), used_at=None))
        return token

    def use_login_link(self, token: str, *, source: str = "") -> tuple[Principal, str]:
        now = _iso(_now())
        with self.engine.begin() as conn:  # used once: the update that claims it is the check
            claimed = conn.execute(update(_LINKS).where(_LINKS.c.token_hash == token_hash(token), _LINKS.c.used_at.is_(None),
                                                        _LINKS.c.expires_at > now).values(used_at=now)).rowcount
            row = conn.execute(select(_LINKS.c.user_id, _LINKS.c.workspace_id).where(_LINKS.c.token_hash == token_hash(token))).first()
        if not claimed or row is None:
            raise UnauthenticatedError("this login link was used already or has expired",
                                       hint="ask for a new one: `tradewinds users link <name>` prints it")
        membership = self._membership(row.user_id, row.workspace_id)
        with self.engine.connect() as conn:
            name = conn.execute(select(_USERS.c.name).where(_USERS.c.id == row.user_id)).scalar_one()
        if membership is None:
            raise UnauthenticatedError("this login link's user is no longer in the workspace", hint="ask an admin to add you again")
        return self._start_session(row.user_id, name, *membership, event="login", detail={"via": "link", "source": source})

    # -- API keys -----------------------------------------------------------------------------------------------
    def create_key(self, principal: Principal, name: str, role: Role) -> NewKey:
        if not at_least(principal.role, Role(role)):
            raise PermissionDeniedError(f"a {principal.role.value} cannot make a {Role(role).value} key",
                                        hint="a key's role is at most your own")
        token = "tw_" + secrets.token_urlsafe(32)
        key_id, now = _new_id("key"), _iso(_now())
        with self.engine.begin() as conn:
            audit.lock(conn, principal.workspace_id)
            conn.execute(insert(_KEYS).values(id=key_id, workspace_id=principal.workspace_id, user_id=principal.user_id, name=name,
                                              role=Role(role).value, prefix=token[:10], token_hash=token_hash(token), created_at=now,
                                              revoked_at=None, last_used_at=None))
            audit.append(conn, principal.workspace_id, "key.created", principal.actor, {"key": key_id, "name": name, "role": Role(role).value})
        return NewKey(id=key_id, name=name, role=role, prefix=token[:10], user=principal.user, created_at=now, token=token)

    def keys(self, workspace_id: str) -> list[KeyOut]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_KEYS, _USERS.c.name.label("user")).join(_USERS, _USERS.c.id == _KEYS.c.user_id)
                                .where(_KEYS.c.workspace_id == workspace_id).order_by(_KEYS.c.created_at.desc())).all()
        return [KeyOut(id=r.id, name=r.name, role=r.role, prefix=r.prefix, user=r.user, created_at=r.created_at,
                       revoked_at=r.revoked_at, last_used_at=r.last_used_at) for r in rows]

    def revoke_key(self, principal: Principal, key_id: str) -> KeyOut:
        with self.engine.begin() as conn:
            audit.lock(conn, principal.workspace_id)
            done = conn.execute(update(_KEYS).where(_KEYS.c.id == key_id, _KEYS.c.workspace_id == principal.workspace_id,
                                                    _KEYS.c.revoked_at.is_(None)).values(revoked_at=_iso(_now()))).rowcount
            if done:
                audit.append(conn, principal.workspace_id, "key.revoked", principal.actor, {"key": key_id})
        self._keys_seen.clear()  # in this process, a revoked key stops working at once
        key = next((k for k in self.keys(principal.workspace_id) if k.id == key_id), None)
        if key is None:
            raise NotFoundError(f"no key {key_id!r} in this workspace", hint="list them with GET /v1/keys")
        return key

    def recent_key(self, token: str) -> Principal | None:
        """The key's principal when this process looked it up less than ``KEY_CACHE_S`` ago (no database, no thread)."""
        seen = self._keys_seen.get(token_hash(token)) if token.startswith("tw_") else None
        return seen[1] if seen is not None and time.monotonic() - seen[0] < KEY_CACHE_S else None

    def authenticate_key(self, token: str, *, route: str = "") -> Principal | None:
        """The principal an API key acts as: its user, with the key's role capped by the user's current one."""
        if not token.startswith("tw_"):
            return None
        if (recent := self.recent_key(token)) is not None:
            return recent
        with self.engine.connect() as conn:
            row = conn.execute(
                select(_KEYS.c.id, _KEYS.c.workspace_id, _KEYS.c.role, _KEYS.c.revoked_at, _KEYS.c.last_used_at, _USERS.c.id.label("user_id"),
                       _USERS.c.name, _USERS.c.disabled, _MEMBERS.c.role.label("user_role"))
                .join(_USERS, _USERS.c.id == _KEYS.c.user_id)
                .join(_MEMBERS, and_(_MEMBERS.c.user_id == _USERS.c.id, _MEMBERS.c.workspace_id == _KEYS.c.workspace_id))
                .where(_KEYS.c.token_hash == token_hash(token))).first()
        if row is None or row.revoked_at is not None or row.disabled:
            return None
        role = weakest(row.role, row.user_role)
        principal = Principal(workspace_id=row.workspace_id, user_id=row.user_id, user=row.name, role=role, via="key", key_id=row.id)
        self._touch_key(principal, row.last_used_at, route)
        if len(self._keys_seen) > 10_000:
            self._keys_seen.clear()
        self._keys_seen[token_hash(token)] = (time.monotonic(), principal)
        return principal

    def _touch_key(self, principal: Principal, last_used_at: str | None, route: str) -> None:
        now = _now()
        last = datetime.fromisoformat(last_used_at) if last_used_at else None
        if last is not None and (now - last).total_seconds() < KEY_TOUCH_S:
            return
        with self.engine.begin() as conn:
            if last is None or (now - last).total_seconds() >= KEY_AUDIT_S:
                audit.lock(conn, principal.workspace_id)
                audit.append(conn, principal.workspace_id, "key.used", principal.actor, {"key": principal.key_id, "route": route[:200]})
            conn.execute(update(_KEYS).where(_KEYS.c.id == principal.key_id).values(last_used_at=_iso(now)))

    # -- quotas -------------------------------------------------------------------------------------------------
    def quotas(self, workspace_id: str) -> Quotas:
        with self.engine.connect() as conn:
            overrides = conn.execute(select(_WS.c.quotas).where(_WS.c.id == workspace_id)).scalar()
        return self.default_quotas.model_copy(update=overrides or {})

    def set_quotas(self, workspace_id: str, quotas: Quotas, *, by: Actor, within_defaults: bool = False) -> None:
        """Override a workspace's quotas (audited). ``within_defaults``: each may only be lowered below the
        instance's defaults (the web app and API: a tenant's owner cannot lift what the machine's operator set)."""
        if within_defaults:
            for field, limit in self.default_quotas.model_dump().items():
                wanted = getattr(quotas, field)
                if limit and (wanted == 0 or wanted > limit):
                    raise PermissionDeniedError(f"{field} may be at most {limit:,} here (the instance's limit)",
                                                hint="ask whoever runs this server to raise TRADEWINDS_QUOTAS")
        self.ensure_workspace(workspace_id)
        with self.engine.begin() as conn:
            audit.lock(conn, workspace_id)
            conn.execute(update(_WS).where(_WS.c.id == workspace_id).values(quotas=quotas.model_dump()))
            audit.append(conn, workspace_id, "quotas.changed", by, quotas.model_dump())

    def usage(self, workspace_id: str) -> dict[str, int]:
        with self.engine.connect() as conn:
            row = conn.execute(select(_USAGE).where(_USAGE.c.workspace_id == workspace_id, _USAGE.c.day == _now().date().isoformat())).first()
        return {"model_tokens": row.model_tokens if row else 0, "upload_bytes": row.upload_bytes if row else 0}

    def _add_usage(self, conn: Connection, workspace_id: str, **amounts: int) -> dict[str, int]:
        day = _now().date().isoformat()
        values = {_USAGE.c[k]: _USAGE.c[k] + v for k, v in amounts.items()}
        if not conn.execute(update(_USAGE).where(_USAGE.c.workspace_id == workspace_id, _USAGE.c.day == day).values(values)).rowcount:
            conn.execute(insert(_USAGE).values(workspace_id=workspace_id, day=day, model_tokens=amounts.get("model_tokens", 0),
                                               upload_bytes=amounts.get("upload_bytes", 0)))
        row = conn.execute(select(_USAGE).where(_USAGE.c.workspace_id == workspace_id, _USAGE.c.day == day)).one()
        return {"model_tokens": row.model_tokens, "upload_bytes": row.upload_bytes}

    def charge_upload(self, workspace_id: str, nbytes: int) -> None:
        """Count an upload against today's quota, or refuse it (nothing counted) when it would go over."""
        limit = self.quotas(workspace_id).upload_bytes_per_day
        with self.engine.begin() as conn:
            total = self._add_usage(conn, workspace_id, upload_bytes=nbytes)["upload_bytes"]
            if limit and total > limit:  # raising rolls the count back with the transaction
                raise QuotaExceededError(f"this upload would take the workspace over its {limit:,} upload bytes today "
                                         f"({total - nbytes:,} used)", hint="wait until midnight UTC or ask an admin to raise "
                                         "upload_bytes_per_day", retry_after=seconds_to_midnight())

    def charge_tokens(self, workspace_id: str, tokens: int) -> None:
        if tokens > 0:
            with self.engine.begin() as conn:
                self._add_usage(conn, workspace_id, model_tokens=tokens)

    def check_tokens(self, workspace_id: str) -> None:
        limit = self.quotas(workspace_id).model_tokens_per_day
        used = self.usage(workspace_id)["model_tokens"]
        if limit and used >= limit:
            raise QuotaExceededError(f"the workspace used its {limit:,} model tokens for today", hint="run without the model "
                                     "(no_model), wait until midnight UTC, or ask an admin to raise model_tokens_per_day",
                                     retry_after=seconds_to_midnight())

    def check_concurrent(self, workspace_id: str, running: int) -> None:
        limit = self.quotas(workspace_id).concurrent_runs
        if limit and running >= limit:
            raise QuotaExceededError(f"the workspace has {running} runs going, its limit", hint="wait for one to end or cancel one",
                                     retry_after=10)

    def _audit(self, workspace_id: str, event: str, actor: Actor, payload: dict) -> None:
        with self.engine.begin() as conn:
            audit.lock(conn, workspace_id)
            audit.append(conn, workspace_id, event, actor, payload)

    # -- the machine's own user ---------------------------------------------------------------------------------
    def local_principal(self, workspace_id: str, name: str) -> Principal:
        """Who a CLI command acts as: the named local user, made an owner of the machine's workspace on first use."""
        self.ensure_workspace(workspace_id)
        with self.engine.connect() as conn:
            user_id = conn.execute(select(_USERS.c.id).where(_USERS.c.name == name)).scalar()
        membership = self._membership(user_id, workspace_id) if user_id else None
        if membership is None:
            self.add_user(workspace_id, name, Role.owner, by=SYSTEM)
            return self.local_principal(workspace_id, name)
        return Principal(workspace_id=workspace_id, user_id=user_id, user=name, role=membership[1], via="local")
