"""The hub's four endpoints over httpx: gzip, protocol header, bounded retries with jitter, errors in words."""

from __future__ import annotations

import gzip
import json
import logging
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import httpx
from pydantic import ValidationError as PydanticValidationError

from repcompanion.domain.models import Mutation
from repcompanion.protocol import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    REVOKED_AT_HEADER,
    REVOKED_REASON_HEADER,
    ErrorBody,
    LoginRequest,
    MutationIn,
    PullPage,
    PushReply,
    PushRequest,
    TokenReply,
)
from repcompanion.sync.errors import (
    AuthError,
    DeviceRevoked,
    HubProtocolError,
    HubUnreachable,
    LoginRequired,
    SyncError,
    UpgradeRequired,
)

log = logging.getLogger(__name__)

#: statuses worth asking again after a pause (the hub or a proxy in front of it is overloaded or restarting)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_DELAY_S = 30.0
GZIP_LEVEL = 5


class _Retry(Exception):
    """A failure worth another try; carries the error to raise when the tries run out."""

    def __init__(self, error: SyncError) -> None:
        super().__init__(error.message)
        self.error = error


def _html(response: httpx.Response) -> bool:
    ctype = response.headers.get("content-type", "").lower()
    head = response.content[:200].lstrip().lower()
    return "html" in ctype or head.startswith((b"<!doctype html", b"<html"))


def _error_body(response: httpx.Response) -> ErrorBody | None:
    try:
        return ErrorBody.model_validate_json(response.content)
    except (PydanticValidationError, ValueError):
        return None


class HubApi:
    """Sends one logical request to the hub and returns its JSON, or raises a ``SyncError`` subclass."""

    def __init__(
        self,
        http: httpx.Client,
        server_url: str,
        *,
        max_retries: int = 5,
        backoff: float = 0.5,
        sleep: Callable[[float], None],
        auth: httpx.Auth | None = None,
        on_unauthorized: Callable[[], SyncError] | None = None,
    ) -> None:
        self.http = http
        self.server_url = server_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self.auth = auth
        self.on_unauthorized = on_unauthorized
        self.requests = 0

    # -- endpoints ----------------------------------------------------------------------------------------

    def login(self, user: str, password: str, device_id: str, device_name: str) -> TokenReply:
        body = LoginRequest(username=user, password=password, device_id=device_id, device_name=device_name[:200])
        data = self.call(
            "POST",
            "/v1/auth/login",
            "the login",
            body=body.model_dump_json().encode(),
            authed=False,
            unauthorized=lambda: LoginRequired(
                f"The hub at {self.server_url} did not accept user {user!r} with that password.",
                hint="Check the user name and password (they are case-sensitive) and try again. "
                "Nothing on this laptop was changed.",
            ),
        )
        return self._model(TokenReply, data, "the login")

    def pull(
        self, cursor: int, limit: int, *, epoch: int | None = None, estimate: bool = False, verify: bool = True
    ) -> tuple[PullPage, list[dict[str, Any]]]:
        """One page: the envelope as a model, the changes as plain dicts (a first sync has a million).

        ``epoch``: the ``epoch`` of the page that gave ``cursor`` (lets a pass begun after a hub compaction
        continue below the hub's log floor); ``estimate``: ask for ``total_estimate`` (first page of a pass).
        """
        params: dict[str, Any] = {"cursor": cursor, "limit": limit}
        if epoch is not None:
            params["epoch"] = epoch
        if estimate:
            params["estimate"] = "true"
        if not verify:
            params["verify"] = "false"  # a routine delta: skip the per-table counts (both sides count rows)
        data = self.call("GET", "/v1/pull", "a download", params=params)
        if not isinstance(data, dict) or not isinstance(data.get("changes"), list):
            raise HubProtocolError(f"The hub at {self.server_url} answered a download without a list of changes.")
        changes = data["changes"]
        envelope = self._model(PullPage, {**data, "changes": []}, "a download")
        return envelope, changes

    def push(self, device_id: str, mutations: list[Mutation]) -> PushReply:
        request = PushRequest(
            device_id=device_id,
            mutations=[
                MutationIn(
                    id=m.id,
                    device_id=m.device_id,
                    device_seq=m.device_seq,
                    kind=m.kind.value,
                    entity_id=m.entity_id,
                    payload=m.payload,
                    created_at=m.created_at.isoformat(),
                )
                for m in mutations
            ],
        )
        data = self.call("POST", "/v1/push", "an upload", body=request.model_dump_json().encode())
        return self._model(PushReply, data, "an upload")

    # -- one request, retried ---------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        body: bytes | None = None,
        params: dict[str, Any] | None = None,
        authed: bool = True,
        unauthorized: Callable[[], SyncError] | None = None,
    ) -> Any:
        last: SyncError | None = None
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(self._delay(attempt))
            try:
                return self._once(method, path, what, body, params, authed, unauthorized)
            except _Retry as retry:
                last = retry.error
                log.info("hub request %s %s failed (try %d): %s", method, path, attempt + 1, last.message)
        assert last is not None
        tries = self.max_retries + 1
        raise type(last)(f"{last.message} (tried {tries} time{'s' if tries > 1 else ''})", hint=last.hint)

    def _delay(self, attempt: int) -> float:
        base = min(MAX_DELAY_S, self.backoff * 2 ** (attempt - 1))
        return base * (0.5 + random.random())  # jitter: devices that lost the hub together do not return together

    def _once(
        self,
        method: str,
        path: str,
        what: str,
        body: bytes | None,
        params: dict[str, Any] | None,
        authed: bool,
        unauthorized: Callable[[], SyncError] | None,
    ) -> Any:
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Accept": "application/json", "Accept-Encoding": "gzip"}
        content = None
        if body is not None:
            content = gzip.compress(body, GZIP_LEVEL)
            headers |= {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        request = self.http.build_request(
            method, f"{self.server_url}{path}", params=params, content=content, headers=headers
        )
        self.requests += 1
        try:
            response = self.http.send(request, auth=self.auth if authed else None)
        except httpx.UnsupportedProtocol as exc:
            raise HubUnreachable(
                f"{self.server_url} is not a hub address (it must start with https:// or http://).",
                hint="Check the server address with your IT department and log in again.",
            ) from exc
        except httpx.TimeoutException as exc:
            raise _Retry(HubUnreachable(f"The hub at {self.server_url} did not answer {what} in time.")) from exc
        except httpx.ConnectError as exc:
            raise _Retry(
                HubUnreachable(f"Cannot connect to the hub at {self.server_url} (no network, unknown name or refused).")
            ) from exc
        except httpx.DecodingError as exc:
            raise _Retry(
                HubProtocolError(f"The hub at {self.server_url} sent a damaged (cut or badly compressed) reply.")
            ) from exc
        except httpx.TransportError as exc:
            raise _Retry(
                HubUnreachable(f"The connection to the hub at {self.server_url} broke during {what} ({exc}).")
            ) from exc
        return self._read(response, what, unauthorized)

    def _read(self, response: httpx.Response, what: str, unauthorized: Callable[[], SyncError] | None) -> Any:
        status = response.status_code
        where = f"The hub at {self.server_url}"
        if status < 300:
            if _html(response):
                raise HubProtocolError(
                    f"{where} answered {what} with an HTML page (HTTP {status}: a network sign-in page or a "
                    "proxy?) instead of sync data."
                )
            ctype = response.headers.get("content-type", "")
            if not ctype.lower().startswith("application/json"):
                raise HubProtocolError(
                    f"{where} answered {what} with {ctype or 'no content type'} (HTTP {status}) instead of sync data."
                )
            try:
                return json.loads(response.content)
            except ValueError as exc:
                raise _Retry(
                    HubProtocolError(f"{where} answered {what} with malformed JSON ({exc}) instead of sync data.")
                ) from exc
        error = _error_body(response)
        said = f": {error.message}" if error and error.message else ""
        if status == 426:
            raise UpgradeRequired(
                f"{where} needs a newer RepCompanion (this one speaks protocol {PROTOCOL_VERSION}){said}.",
                hint=(error.hint if error and error.hint else None),
            )
        if status in RETRY_STATUSES:
            if _html(response):
                raise _Retry(
                    HubProtocolError(
                        f"{where} answered {what} with an HTML page (HTTP {status} from a proxy?) instead of sync data."
                    )
                )
            raise _Retry(HubUnreachable(f"{where} is unavailable (HTTP {status}{said})."))
        if status == 401:
            make = unauthorized or self.on_unauthorized
            raise make() if make else LoginRequired(f"{where} asks to log in again{said}.")
        if status == 403:
            if error and error.error == "device_revoked":
                raise DeviceRevoked(
                    f"{where} no longer accepts this laptop{said}",
                    revoked_at=response.headers.get(REVOKED_AT_HEADER, ""),
                    reason=unquote(response.headers.get(REVOKED_REASON_HEADER, "")),
                )
            raise AuthError(f"{where} refused {what}{said}.")
        if _html(response):
            raise HubProtocolError(f"{where} answered {what} with an HTML page (HTTP {status}) instead of sync data.")
        raise HubProtocolError(f"{where} refused {what} (HTTP {status}{said}).")

    def _model(self, model: type[Any], data: Any, what: str) -> Any:
        try:
            return model.model_validate(data)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first.get("loc", ())) or "the reply"
            raise HubProtocolError(
                f"The hub at {self.server_url} answered {what} with data this app does not understand "
                f"({field}: {first.get('msg', 'invalid')})."
            ) from exc


__all__ = ["RETRY_STATUSES", "HubApi"]
