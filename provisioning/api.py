"""Our TMF listener: EOMS and SI post their events here, signed with their shared secret."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from keyaccounts.core.api import tmf_error
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.signing import SIGNATURE_HEADER, signature_valid

from .inbound import event_receive
from .models import Peer


class ListenerView(APIView):
    """`POST /api/v1/listener/{eoms|si}`: 201 stored, 200 already received, 401 unsigned or forged."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=dict, responses={201: dict, 200: dict})
    def post(self, request, peer: str):
        if peer not in Peer.values:
            return tmf_error(404, "Not found", f"no listener for {peer}")
        raw = request.body
        if not signature_valid(
            settings.PEER_CALLBACK_SECRETS.get(peer, ""), raw, request.headers.get(SIGNATURE_HEADER)
        ):
            return tmf_error(401, "Unauthorized", f"missing or wrong {SIGNATURE_HEADER}")
        if not isinstance(request.data, dict):
            return tmf_error(400, "Invalid body", "a JSON object is required")
        try:
            event, created = event_receive(peer=peer, body=request.data)
        except ApplicationError as error:
            return tmf_error(400, "Invalid body", error.message)
        return Response(
            {"eventId": event.event_id, "received": True, "duplicate": not created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
