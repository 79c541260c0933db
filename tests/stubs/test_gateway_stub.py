"""The SMS and e-mail gateway stub (TMF681) over real HTTP: it takes a message once per externalId, refuses a
malformed one with a TMF error, and is the only peer that sends messages."""

import requests

MESSAGE = {
    "externalId": "STUB-CM-1",
    "messageType": "SMS",
    "content": "您好",
    "receiver": [{"id": "STUB-CM", "name": "王强", "phoneNumber": "13904310000"}],
    "tryTimes": 1,
}


def test_the_gateway_takes_a_message_once_and_its_truth_is_the_last_report(stub_server):
    created = requests.post(f"{stub_server}/gateway/communicationMessage", json=MESSAGE, timeout=5)
    assert created.status_code == 201
    again = requests.post(f"{stub_server}/gateway/communicationMessage", json=MESSAGE, timeout=5)
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    truth = requests.get(f"{stub_server}/gateway/communicationMessage/{created.json()['id']}", timeout=5).json()
    assert truth["state"] == "completed"  # scripted states are finished when first read in tests
    assert requests.get(f"{stub_server}/gateway/stats", timeout=5).json()["deliveries"]["STUB-CM"] == 1


def test_a_malformed_message_is_refused_and_other_peers_send_no_messages(stub_server):
    no_phone = {**MESSAGE, "externalId": "STUB-CM-2", "receiver": [{"id": "x", "name": "王强"}]}
    refused = requests.post(f"{stub_server}/gateway/communicationMessage", json=no_phone, timeout=5)
    assert (refused.status_code, refused.json()["message"]) == (400, "every receiver needs an `id` and a `phoneNumber`")
    wrong_type = {**MESSAGE, "externalId": "STUB-CM-3", "messageType": "fax"}
    assert requests.post(f"{stub_server}/gateway/communicationMessage", json=wrong_type, timeout=5).status_code == 400
    assert requests.post(f"{stub_server}/eoms/communicationMessage", json=MESSAGE, timeout=5).status_code == 404
    assert requests.post(f"{stub_server}/gateway/serviceOrder", json=MESSAGE, timeout=5).status_code == 404
