"""OneRoster 1.1 auth: two-legged OAuth 1.0a, HMAC-SHA1, parameters in the Authorization header.

Signing uses authlib's RFC 5849 signature functions directly rather than authlib's httpx
`OAuth1Auth`: that wrapper refuses plain http (even on loopback, where the simulators run) and
its httpx shim emits a DeprecationWarning on import.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Generator

import httpx
from authlib.common.urls import url_decode
from authlib.oauth1.rfc5849.signature import construct_base_string, hmac_sha1_signature
from authlib.oauth1.rfc5849.util import escape


class OAuth1Signer(httpx.Auth):
    """Signs every request; OAuth 1.0a has no tokens, so there is nothing to cache or refresh."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self._clock = clock
        self._nonce = nonce

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        oauth = [
            ("oauth_consumer_key", self.client_id),
            ("oauth_nonce", self._nonce()),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", str(int(self._clock()))),
            ("oauth_version", "1.0"),
        ]
        params = url_decode(request.url.query.decode()) + oauth
        base = construct_base_string(request.method, str(request.url), params, request.headers.get("Host"))
        oauth.append(("oauth_signature", hmac_sha1_signature(base, self.client_secret, None)))
        request.headers["Authorization"] = "OAuth " + ", ".join(
            f'{escape(k)}="{escape(v)}"' for k, v in oauth
        )
        yield request
