"""Hub settings: the API's knobs (``HubSettings``) and the service's configuration (``HubConfig``: a TOML file and
environment variables for the database URL, SMTP, the pharmacovigilance mailbox, secrets and paths).

The configuration has one shape, the dataclasses below; the TOML keys and the environment variables are derived
from it. A key ``K`` of section ``[S]`` is read from, in order of precedence:

1. the command line (options of ``run``, ``worker``, ``--db``...),
2. the environment: ``REPCOMPANION_HUB_<S>_<K>`` (e.g. ``REPCOMPANION_HUB_SMTP_PASSWORD``),
3. the file given by ``--config FILE`` or ``$REPCOMPANION_HUB_CONFIG``,
4. the defaults below.

A text value may instead be read from a file: ``K_file = "/run/credentials/..."`` in TOML or
``REPCOMPANION_HUB_<S>_<K>_FILE`` (systemd ``LoadCredential=``, container secrets), so no secret need sit in the
configuration file or the environment.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from repcompanion.domain.errors import HubError

ENV_PREFIX = "REPCOMPANION_HUB_"
CONFIG_ENV = "REPCOMPANION_HUB_CONFIG"
DATA_DIR_NAME = "repcompanion-hub"


class ConfigError(HubError):
    """The configuration file or an environment variable cannot be used."""

    hint = "See docs/production.md (configuration) for every key; `repcompanion-hub run --help` for the options."


@dataclass(frozen=True)
class HubSettings:
    access_ttl_s: int = 15 * 60
    refresh_ttl_s: int = 30 * 24 * 3600
    tombstone_days: float = 30.0
    #: where reps get a newer app (shown in the 426 upgrade message)
    update_url: str = "your IT department's software portal"
    #: gzip level of replies (1 = fastest; pages are large and mostly sent on fast links)
    gzip_level: int = 1
    #: a decompressed request body larger than this is refused (gzip bombs)
    max_body_bytes: int = 64 * 1024 * 1024
    #: change-log rows one pull may scan before it answers (bounds the time of a request on a sparse territory)
    scan_window: int = 200_000
    #: raw request bodies (Content-Length or streamed) larger than this get 413 before anything reads them
    max_raw_body_bytes: int = 16 * 1024 * 1024
    #: failed logins of one user (or from one client address) before a lockout, and the lockout length
    login_max_failures: int = 5
    login_lockout_s: float = 15 * 60
    #: failed logins per client address are counted separately and allowed more (a shared office NAT)
    login_max_failures_per_ip: int = 20
    #: concurrent password checks (argon2 costs ~64 MiB and ~0.1 s each; the rest wait or get 429)
    login_concurrency: int = 4
    #: send Strict-Transport-Security (set when the hub is reached over HTTPS, e.g. behind a TLS proxy)
    https: bool = False
    #: browser origins allowed to call the API; empty = no CORS middleware at all
    cors_origins: tuple[str, ...] = ()
    #: a revoked device may still upload what its outbox holds before it is refused everywhere
    revoked_may_flush: bool = True
    #: the hub's address as browsers and mail recipients reach it (unsubscribe links and pages)
    public_url: str = ""
    #: the SendGrid Event Webhook verification key (base64 DER, as SendGrid's settings page shows it); empty = off
    sendgrid_public_key: str = ""
    #: a console sign-in ends after this long without a request, and after ``console_session_s`` in any case
    console_idle_timeout_s: float = 30 * 60
    console_session_s: float = 12 * 3600
    #: refresh the console's aggregates this often in the background (0: never; `run` and `serve` set it)
    console_refresh_s: float = 0.0


# -- the service's configuration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DatabaseConfig:
    #: SQLAlchemy URL; empty: hub.db in the data folder
    url: str = field(default="", repr=False)


@dataclass(frozen=True)
class PathsConfig:
    #: the default SQLite database and model-signing key live here (default: the platform's user data folder)
    data_dir: str = ""


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    workers: int = 1
    #: reached over HTTPS (a TLS proxy in front): send Strict-Transport-Security
    https: bool = False
    cors_origins: tuple[str, ...] = ()
    tombstone_days: float = 30.0
    access_ttl: int = 15 * 60
    #: the address recipients reach the hub at, e.g. https://hub.example.com (unsubscribe links point there)
    public_url: str = ""
    log_level: str = "info"


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "127.0.0.1"
    port: int = 25
    #: none, starttls (upgrade a plain connection, usually port 587) or tls (TLS from the start, port 465)
    security: str = "none"
    username: str = ""
    password: str = field(default="", repr=False)
    #: a CA bundle to trust instead of the system's (a company CA)
    ca_file: str = ""
    sender: str = "RepCompanion <no-reply@repcompanion.invalid>"
    timeout: float = 15.0


@dataclass(frozen=True)
class FollowUpsConfig:
    #: journey file or folder (default: the journeys shipped with RepCompanion)
    journeys: str = ""
    lease: float = 120.0
    max_attempts: int = 5
    poll: float = 2.0


@dataclass(frozen=True)
class SafetyConfig:
    #: the pharmacovigilance mailbox adverse-event intakes are forwarded to (required by `run`)
    pv_mailbox: str = ""
    #: the quality unit's mailbox for product-quality complaints (empty: they go to the PV mailbox too)
    quality_mailbox: str = ""
    sender: str = "repcompanion-hub@localhost"
    interval: float = 30.0


@dataclass(frozen=True)
class WebhooksConfig:
    #: SendGrid Event Webhook verification key (base64 DER public key from SendGrid's Mail Settings)
    sendgrid_public_key: str = ""


@dataclass(frozen=True)
class ConsoleConfig:
    #: seconds between refreshes of the console's aggregates (materialized views / tables); 0 turns it off
    refresh: float = 600.0
    #: seconds without a request after which a console sign-in ends
    idle_timeout: float = 1800.0


@dataclass(frozen=True)
class ModelConfig:
    #: the Ed25519 model-signing key (default: next to a SQLite database, else in the data folder)
    key: str = ""


@dataclass(frozen=True)
class HubConfig:
    """Everything the service reads from its configuration; ``source`` says which file (if any) it came from."""

    database: DatabaseConfig = DatabaseConfig()
    paths: PathsConfig = PathsConfig()
    server: ServerConfig = ServerConfig()
    smtp: SmtpConfig = SmtpConfig()
    followups: FollowUpsConfig = FollowUpsConfig()
    safety: SafetyConfig = SafetyConfig()
    webhooks: WebhooksConfig = WebhooksConfig()
    model: ModelConfig = ModelConfig()
    console: ConsoleConfig = ConsoleConfig()
    source: str = ""

    def data_dir(self) -> Path:
        """The data folder (not created here: only commands that write create it)."""
        if self.paths.data_dir:
            return Path(self.paths.data_dir).expanduser()
        return Path(platformdirs.user_data_dir(DATA_DIR_NAME, appauthor=False))

    def database_url(self) -> str:
        """The configured URL, else ``sqlite:///<data folder>/hub.db``."""
        return self.database.url or f"sqlite:///{self.data_dir() / 'hub.db'}"

    def settings(self) -> HubSettings:
        """The API settings this configuration implies."""
        s = self.server
        return HubSettings(
            tombstone_days=s.tombstone_days,
            access_ttl_s=s.access_ttl,
            https=s.https,
            cors_origins=s.cors_origins,
            public_url=s.public_url,
            sendgrid_public_key=self.webhooks.sendgrid_public_key,
            console_idle_timeout_s=self.console.idle_timeout,
            console_refresh_s=self.console.refresh,
        )


#: section name → its dataclass, in declaration order
SECTIONS: dict[str, type] = {name: kind for name, kind in typing.get_type_hints(HubConfig).items() if name != "source"}


def env_name(section: str, key: str) -> str:
    """The environment variable of ``[section] key``, e.g. ``REPCOMPANION_HUB_SMTP_PASSWORD``."""
    return f"{ENV_PREFIX}{section}_{key}".upper()


def every_key() -> list[tuple[str, str, Any]]:
    """(section, key, default) of every configuration key, in declaration order (for docs and tests)."""
    return [(s, f.name, f.default) for s, cls in SECTIONS.items() for f in dataclasses.fields(cls)]


def _convert(value: Any, kind: Any, where: str) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{where} must be true or false, not {value!r}.")
    if kind in (int, float):
        if isinstance(value, bool):
            raise ConfigError(f"{where} must be a number, not {value!r}.")
        try:
            return kind(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where} must be a number, not {value!r}.") from exc
    if typing.get_origin(kind) is tuple:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ConfigError(f"{where} must be a list of text, not {value!r}.")
        return tuple(str(i).strip() for i in items if str(i).strip())
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ConfigError(f"{where} must be text, not {value!r}.")
    return str(value)


def _read_secret_file(path: str, where: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{where} names {path}, which cannot be read ({exc.strerror}).") from exc


def _section_values(section: str, cls: type, table: dict[str, Any], source: str) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    allowed = names | {f"{n}_file" for n in names if hints[n] is str}
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{source}: [{section}] has no key {', '.join(unknown)}; it knows {', '.join(sorted(names))}.",
        )
    values: dict[str, Any] = {}
    for name in names:
        kind = hints[name]
        where_file = f"{source} [{section}] {name}"
        if name in table:
            values[name] = _convert(table[name], kind, where_file)
        elif f"{name}_file" in table:
            values[name] = _read_secret_file(str(table[f"{name}_file"]), f"{where_file}_file")
        env = env_name(section, name)
        if env in os.environ:
            values[name] = _convert(os.environ[env], kind, f"${env}")
        elif f"{env}_FILE" in os.environ and kind is str:
            values[name] = _read_secret_file(os.environ[f"{env}_FILE"], f"${env}_FILE")
    return values


def _warn_if_readable(path: Path, data: dict[str, Any]) -> None:
    secret_keys = {"password", "url", "key"}
    holds_secret = any(isinstance(t, dict) and any(k in secret_keys and v for k, v in t.items()) for t in data.values())
    if holds_secret and os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(
            f"repcompanion-hub: warning: {path} holds secrets but other users may read it; "
            f"run `chmod 600 {path}` (or move the secrets to *_file keys).",
            file=sys.stderr,
        )


def load_config(path: str | os.PathLike[str] | None = None) -> HubConfig:
    """The configuration from ``path`` (else ``$REPCOMPANION_HUB_CONFIG``, else none) and the environment."""
    chosen = path or os.environ.get(CONFIG_ENV) or None
    data: dict[str, Any] = {}
    source = ""
    if chosen:
        file = Path(chosen).expanduser()
        source = str(file)
        try:
            with file.open("rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError as exc:
            raise ConfigError(f"The configuration file {file} does not exist.") from exc
        except OSError as exc:
            raise ConfigError(f"The configuration file {file} cannot be read ({exc.strerror}).") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"The configuration file {file} is not valid TOML: {exc}.") from exc
        unknown = sorted(set(data) - set(SECTIONS))
        if unknown:
            raise ConfigError(f"{file}: unknown section [{', '.join(unknown)}]; sections: {', '.join(SECTIONS)}.")
        _warn_if_readable(file, data)
    sections: dict[str, Any] = {}
    for section, cls in SECTIONS.items():
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: {section} must be a [{section}] table.")
        sections[section] = cls(**_section_values(section, cls, table, source or "configuration"))
    config = HubConfig(**sections, source=source)
    if config.smtp.security not in ("none", "starttls", "tls"):
        raise ConfigError(f"[smtp] security must be none, starttls or tls, not {config.smtp.security!r}.")
    return config


def default_db_url() -> str:
    """``sqlite:///<data folder>/hub.db`` as the environment and defaults say (the folder is not created)."""
    return load_config(None).database_url()


__all__ = [
    "CONFIG_ENV",
    "SECTIONS",
    "ConfigError",
    "ConsoleConfig",
    "DatabaseConfig",
    "FollowUpsConfig",
    "HubConfig",
    "HubSettings",
    "ModelConfig",
    "PathsConfig",
    "SafetyConfig",
    "ServerConfig",
    "SmtpConfig",
    "WebhooksConfig",
    "default_db_url",
    "env_name",
    "every_key",
    "load_config",
]
