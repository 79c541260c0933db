"""The EOMS/SI stub service answers over real HTTP on its own port (TMF /hub registration)."""

import requests


def test_the_stub_service_is_healthy(stub_server):
    assert requests.get(f"{stub_server}/healthz", timeout=5).json() == {"status": "ok", "peers": ["eoms", "si"]}


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
