"""HTTP to EOMS, SI and the message gateway (TMF Open API shapes). One client, so timeouts and error mapping live in one place."""

import json
import os
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import urllib3
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
    urls = {Peer.EOMS: settings.EOMS_BASE_URL, Peer.SI: settings.SI_BASE_URL, Peer.GATEWAY: settings.GATEWAY_BASE_URL}
    return urls[peer].rstrip("/")


# urllib3 rather than requests: the outbox sends thousands of work orders a minute and requests' sessions,
# hooks and environment lookups were about half of each call's CPU. Pools per process (made on first use:
# a Celery worker forks, and forked processes must not share sockets), shared by the sending threads
# (urllib3's pools are thread-safe), keep the connections to each peer alive. No retries or redirects here:
# the outbox decides what is tried again.
_pools: dict[tuple[int, str], urllib3.PoolManager] = {}


def _pool(url: str) -> urllib3.PoolManager:
    """The pool for this peer's address: through the proxy the environment names for it (HTTP(S)_PROXY,
    NO_PROXY, as requests honoured them), looked up once per process and address."""
    parts = urlsplit(url)
    key = (os.getpid(), f"{parts.scheme}://{parts.netloc}")
    if key not in _pools:
        if any(pid != key[0] for pid, _ in _pools):
            _pools.clear()
        proxy = None if proxy_bypass(parts.hostname or "") else getproxies().get(parts.scheme)
        _pools[key] = (
            urllib3.ProxyManager(proxy, maxsize=16, retries=False)
            if proxy
            else urllib3.PoolManager(maxsize=16, retries=False)
        )
    return _pools[key]


def _call(method: str, url: str, *, json_body: dict | None = None, params: dict | None = None) -> PeerResponse:
    timeout = urllib3.Timeout(connect=settings.HTTP_CONNECT_TIMEOUT, read=settings.HTTP_READ_TIMEOUT)
    headers = {"Accept": "application/json"}
    body = None
    if json_body is not None:
        body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
    try:
        response = _pool(url).request(method, url, body=body, fields=params, headers=headers, timeout=timeout)
    except urllib3.exceptions.HTTPError as exc:  # connection refused or reset, timeouts
        raise PeerError(f"{method} {url}: {exc.__class__.__name__}: {exc}", retryable=True) from exc
    if response.status >= 500 or response.status in (408, 429):
        raise PeerError(f"{method} {url}: HTTP {response.status}", retryable=True)
    try:
        answer = json.loads(response.data)
    except ValueError:
        answer = {}
    if response.status >= 400:
        details = answer if isinstance(answer, dict) else {}
        reason = details.get("message") or details.get("reason") or response.data[:200].decode(errors="replace")
        raise PeerError(f"{method} {url}: HTTP {response.status}: {reason}", retryable=False, status=response.status)
    return PeerResponse(response.status, answer)


def peer_create(peer: str, resource: str, payload: dict) -> PeerResponse:
    return _call("POST", f"{_base_url(peer)}/{resource}", json_body=payload)


def peer_retrieve(peer: str, resource: str, remote_id: str) -> PeerResponse:
    return _call("GET", f"{_base_url(peer)}/{resource}/{remote_id}")


def peer_update(peer: str, resource: str, remote_id: str, payload: dict) -> PeerResponse:
    """A TMF partial update (`PATCH /{resource}/{id}`), e.g. a trouble ticket's status change."""
    return _call("PATCH", f"{_base_url(peer)}/{resource}/{remote_id}", json_body=payload)


def peer_list(peer: str, resource: str, params: dict) -> list:
    """A filtered TMF list (`GET /{resource}?field=a,b`): the peer's truth for many records in one call."""
    body = _call("GET", f"{_base_url(peer)}/{resource}", params=params).body
    return body if isinstance(body, list) else []


def peer_subscribe(peer: str, callback: str) -> bool:
    """Register our listener with the peer's TMF `/hub` unless it is there already. Returns whether it was added."""
    current = _call("GET", f"{_base_url(peer)}/hub").body
    if any(sub.get("callback") == callback for sub in current or []):
        return False
    _call("POST", f"{_base_url(peer)}/hub", json_body={"callback": callback})
    return True
