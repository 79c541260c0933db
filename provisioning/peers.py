"""HTTP to EOMS and SI (TMF Open API shapes). One client, so timeouts and error mapping live in one place."""

import threading
from dataclasses import dataclass

import requests
from django.conf import settings

from .models import Peer


class PeerError(Exception):
    """A call that did not succeed; `retryable` says whether trying again later may help."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status  # the peer's HTTP answer, when it gave one


@dataclass(frozen=True)
class PeerResponse:
    status: int
    body: dict


def _base_url(peer: str) -> str:
    return {Peer.EOMS: settings.EOMS_BASE_URL, Peer.SI: settings.SI_BASE_URL}[peer].rstrip("/")


# One session per thread (a session is not safe to share between threads; the outbox sends from a pool):
# connections to a peer are kept alive between calls.
_local = threading.local()


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def _call(method: str, url: str, **kwargs) -> PeerResponse:
    timeout = (settings.HTTP_CONNECT_TIMEOUT, settings.HTTP_READ_TIMEOUT)
    try:
        response = _session().request(method, url, timeout=timeout, **kwargs)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise PeerError(f"{method} {url}: {exc.__class__.__name__}: {exc}", retryable=True) from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise PeerError(f"{method} {url}: HTTP {response.status_code}", retryable=True)
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 400:
        reason = body.get("message") or body.get("reason") or response.text[:200]
        raise PeerError(
            f"{method} {url}: HTTP {response.status_code}: {reason}", retryable=False, status=response.status_code
        )
    return PeerResponse(response.status_code, body)


def peer_create(peer: str, resource: str, payload: dict) -> PeerResponse:
    return _call("POST", f"{_base_url(peer)}/{resource}", json=payload)


def peer_retrieve(peer: str, resource: str, remote_id: str) -> PeerResponse:
    return _call("GET", f"{_base_url(peer)}/{resource}/{remote_id}")


def peer_update(peer: str, resource: str, remote_id: str, payload: dict) -> PeerResponse:
    """A TMF partial update (`PATCH /{resource}/{id}`), e.g. a trouble ticket's status change."""
    return _call("PATCH", f"{_base_url(peer)}/{resource}/{remote_id}", json=payload)


def peer_list(peer: str, resource: str, params: dict) -> list:
    """A filtered TMF list (`GET /{resource}?field=a,b`): the peer's truth for many records in one call."""
    body = _call("GET", f"{_base_url(peer)}/{resource}", params=params).body
    return body if isinstance(body, list) else []


def peer_subscribe(peer: str, callback: str) -> bool:
    """Register our listener with the peer's TMF `/hub` unless it is there already. Returns whether it was added."""
    current = _call("GET", f"{_base_url(peer)}/hub").body
    if any(sub.get("callback") == callback for sub in current or []):
        return False
    _call("POST", f"{_base_url(peer)}/hub", json={"callback": callback})
    return True
