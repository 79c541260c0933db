"""The EOMS/SI stub service answers over real HTTP on its own port (TMF /hub registration)."""

import http.server
import json
import threading
import time

import pytest
import requests


def test_the_stub_service_is_healthy(stub_server):
    assert requests.get(f"{stub_server}/healthz", timeout=5).json() == {
        "status": "ok",
        "peers": ["eoms", "si", "gateway"],
    }


def test_a_listener_registers_and_unregisters_on_each_peer_hub(stub_server):
    for peer in ("eoms", "si"):
        created = requests.post(
            f"{stub_server}/{peer}/hub", json={"callback": "http://127.0.0.1:8000/listener", "query": ""}, timeout=5
        )
        assert created.status_code == 201
        hub_id = created.json()["id"]
        assert hub_id in [h["id"] for h in requests.get(f"{stub_server}/{peer}/hub", timeout=5).json()]
        assert requests.delete(f"{stub_server}/{peer}/hub/{hub_id}", timeout=5).status_code == 204
        assert requests.delete(f"{stub_server}/{peer}/hub/{hub_id}", timeout=5).status_code == 404


def test_a_malformed_hub_request_gets_a_tmf_error_body(stub_server):
    response = requests.post(f"{stub_server}/eoms/hub", json={"callback": "not a url"}, timeout=5)
    assert response.status_code == 400
    body = response.json()
    assert body["@type"] == "Error"
    assert body["status"] == "400"
    assert requests.get(f"{stub_server}/eoms/hub", timeout=5).json() == []


def _stats(stub_server: str, peer: str = "si", **params) -> dict:
    return requests.get(f"{stub_server}/{peer}/stats", params=params, timeout=5).json()


def test_the_stats_count_the_injected_503s_and_the_repeated_creations(stub_server):
    before = _stats(stub_server)
    order = {"externalId": "STATS-1", "serviceOrderItem": []}
    try:
        requests.post(f"{stub_server}/si/faults", json={"error_rate": 1.0}, timeout=5).raise_for_status()
        assert requests.post(f"{stub_server}/si/serviceOrder", json=order, timeout=5).status_code == 503
        assert requests.post(f"{stub_server}/si/serviceOrder", json=order, timeout=5).status_code == 503
    finally:
        requests.post(f"{stub_server}/si/faults", json={}, timeout=5)
    assert requests.post(f"{stub_server}/si/serviceOrder", json=order, timeout=5).status_code == 201
    assert requests.post(f"{stub_server}/si/serviceOrder", json=order, timeout=5).status_code == 200
    after = _stats(stub_server, ids="serviceOrder")
    assert after["errors_injected"] == before["errors_injected"] + 2
    assert after["requests_repeated"] == before["requests_repeated"] + 1
    assert after["resources"]["serviceOrder"] == before["resources"].get("serviceOrder", 0) + 1
    assert after["external_ids"].count("STATS-1") == 1


class _Listener(http.server.BaseHTTPRequestHandler):
    received: list[str] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Listener.received.append(body["eventId"])
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def listener(stub_server):
    """A listener on the stub's SI hub that records the events it is sent (and answers 201)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Listener.received = []
    hub = requests.post(
        f"{stub_server}/si/hub", json={"callback": f"http://127.0.0.1:{server.server_port}/"}, timeout=5
    ).json()
    yield _Listener.received
    requests.post(f"{stub_server}/si/faults", json={}, timeout=5)
    requests.delete(f"{stub_server}/si/hub/{hub['id']}", timeout=5)
    server.shutdown()


def _events_settled(stub_server: str) -> dict:
    for _ in range(100):
        stats = _stats(stub_server)
        if not stats["events_waiting"]:
            return stats
        time.sleep(0.1)
    raise AssertionError(f"events still waiting: {stats}")


def test_the_stats_count_the_events_lost_and_sent_twice_as_the_listener_saw_them(stub_server, listener):
    before = _events_settled(stub_server)
    listener.clear()  # events of earlier tests' orders, sent once this listener registered
    requests.post(f"{stub_server}/si/faults", json={"lose_rate": 1.0}, timeout=5).raise_for_status()
    time.sleep(1.1)  # the faults a request reads are at most a second old
    requests.post(f"{stub_server}/si/serviceOrder", json={"externalId": "LOST-1"}, timeout=5).raise_for_status()
    lost = _events_settled(stub_server)
    assert lost["events_lost"] - before["events_lost"] == 3  # the happy path's three events, none sent
    assert listener == []

    requests.post(f"{stub_server}/si/faults", json={"duplicate_rate": 1.0}, timeout=5).raise_for_status()
    requests.post(f"{stub_server}/si/serviceOrder", json={"externalId": "TWICE-1"}, timeout=5).raise_for_status()
    twice = _events_settled(stub_server)
    assert twice["events_duplicated"] - lost["events_duplicated"] == 3
    assert twice["events_sent"] - lost["events_sent"] == 3
    assert sorted(listener.count(event_id) for event_id in set(listener)) == [2, 2, 2]  # three events, each twice
