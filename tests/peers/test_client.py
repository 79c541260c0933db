"""The peer client reaches EOMS/SI through the proxy the environment names (HTTP_PROXY, NO_PROXY), as
deployments behind a corporate proxy need; a real proxy-shaped HTTP server on loopback records what it gets."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from keyaccounts.peers import client
from keyaccounts.peers.models import Peer


@pytest.fixture
def recorder():
    """An HTTP server that answers every POST 201 and keeps the request line's target: a forward proxy is
    asked for the absolute URL, a peer reached directly for its path."""
    targets = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            targets.append(self.path)
            body = json.dumps({"id": "7"}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port, targets
    server.shutdown()


@pytest.fixture
def environment(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    client._pools.clear()  # the pools remember each address's proxy
    yield monkeypatch
    client._pools.clear()


def test_a_peer_is_reached_through_the_proxy_the_environment_names(recorder, environment, settings):
    port, targets = recorder
    environment.setenv("http_proxy", f"http://127.0.0.1:{port}")
    settings.EOMS_BASE_URL = "http://eoms.operator.example:8100/eoms"
    answer = client.peer_create(Peer.EOMS, "serviceOrder", {"externalId": "X-1"})
    assert (answer.status, answer.body) == (201, {"id": "7"})
    assert targets == ["http://eoms.operator.example:8100/eoms/serviceOrder"]


def test_a_peer_named_in_no_proxy_is_reached_directly(recorder, environment, settings):
    port, targets = recorder
    environment.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there: used, it would fail
    environment.setenv("no_proxy", "127.0.0.1")
    settings.EOMS_BASE_URL = f"http://127.0.0.1:{port}/eoms"
    assert client.peer_create(Peer.EOMS, "serviceOrder", {"externalId": "X-1"}).status == 201
    assert targets == ["/eoms/serviceOrder"]
