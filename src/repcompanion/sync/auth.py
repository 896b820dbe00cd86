"""Bearer tokens on every hub request, refreshed once on a 401 (an httpx ``Auth`` generator)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Generator
from dataclasses import dataclass

import httpx
from pydantic import ValidationError as PydanticValidationError

from repcompanion.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, RefreshRequest, TokenReply
from repcompanion.sync.credentials import CredentialStore, Tokens
from repcompanion.sync.errors import AuthError, DeviceRevoked, HubProtocolError, LoginRequired

#: refresh replies that mean "this login is over" (anything else is treated like any other failed request)
_REFUSED = frozenset({400, 401, 403})


@dataclass
class Session:
    """Who we are on which hub; tokens live in the credential store, never here."""

    server_url: str
    user: str
    device_id: str
    credentials: CredentialStore
    notice: str | None = None

    def tokens(self) -> Tokens | None:
        return self.credentials.load(self.server_url, self.user)

    def no_login(self, why: str) -> LoginRequired:
        hint = None
        if not self.credentials.persistent:
            hint = (
                "No system keyring is available, so logins last for one run only: sync with "
                "`repcompanion sync --password-stdin` (or from the app, which asks for the password). Nothing was lost."
            )
        return LoginRequired(f"{why} for {self.user} on {self.server_url}.", hint=hint)

    def refresh_request(self, tokens: Tokens) -> httpx.Request:
        body = RefreshRequest(refresh_token=tokens.refresh_token, device_id=self.device_id)
        return httpx.Request(
            "POST",
            f"{self.server_url}/v1/auth/refresh",
            content=body.model_dump_json().encode(),
            headers={"Content-Type": "application/json", PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
        )

    def accept(self, reply: httpx.Response) -> Tokens:
        try:
            tokens = TokenReply.model_validate_json(reply.content)
        except (PydanticValidationError, ValueError) as exc:
            raise HubProtocolError(
                f"The hub at {self.server_url} answered the token refresh with something that is not a token."
            ) from exc
        saved = Tokens(tokens.access_token, tokens.refresh_token, tokens.user, tokens.territory_id)
        notice = self.credentials.save(self.server_url, self.user, saved)
        self.notice = self.notice or notice
        return saved

    def refused(self, reply: httpx.Response) -> AuthError:
        """The refresh token no longer works: forget the tokens so no later request retries them."""
        self.credentials.forget(self.server_url, self.user)
        code = ""
        with contextlib.suppress(ValueError, AttributeError):
            code = str(json.loads(reply.content).get("error", ""))
        if code == "device_revoked":
            return DeviceRevoked(f"The hub at {self.server_url} no longer accepts this laptop ({self.device_id}).")
        return self.no_login("Your login has expired")


class TokenAuth(httpx.Auth):
    """Adds the access token; on a 401 refreshes once and repeats the request once.

    A refused refresh raises ``LoginRequired`` (and forgets the tokens) at once: no loop. A refresh that
    fails in any other way (5xx, a proxy page, 426) hands that reply back to the caller, whose retry and
    error rules then apply.
    """

    requires_response_body = True

    def __init__(self, session: Session) -> None:
        self.session = session

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        tokens = self.session.tokens()
        if tokens is None:
            raise self.session.no_login("There is no saved login")
        request.headers["Authorization"] = f"Bearer {tokens.access_token}"
        response = yield request
        if response.status_code != 401:
            return
        reply = yield self.session.refresh_request(tokens)
        if reply.status_code in _REFUSED:
            raise self.session.refused(reply)
        if reply.status_code != 200:
            return
        fresh = self.session.accept(reply)
        request.headers["Authorization"] = f"Bearer {fresh.access_token}"
        yield request


__all__ = ["Session", "TokenAuth"]
