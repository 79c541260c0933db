"""Channel intake of trouble tickets (TMF621): the hotline, the customer portal and SI partners report faults and
complaints with their own token, and read back what they reported and nothing else."""

import hashlib
import json

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from keyaccounts.core.api import ChannelTokenAuthentication, IsChannel, tmf_error
from keyaccounts.core.exceptions import ApplicationError

from . import selectors, services
from .models import TicketChannel, TroubleTicket

Type = TroubleTicket.Type
# TMF621 ticketType on the wire → our type (a fault is an incident, as EOMS reads it too).
TICKET_TYPES = {
    "incident": Type.FAULT,
    "complaint": Type.COMPLAINT,
    "billing": Type.BILLING,
    "suggestion": Type.SUGGESTION,
    "consultation": Type.CONSULTATION,
}
WIRE_TYPES = {ours: wire for wire, ours in TICKET_TYPES.items()}
# Our names of what a refusal is about → the request's names, so a channel's developer finds the field.
WIRE_FIELDS = {
    "type": "ticketType",
    "services": "relatedEntity",
    "contact": "relatedParty.reporter",
    "description": "description",
}
YES, NO = {"yes", "true", "1"}, {"no", "false", "0"}
PAGE, MAX_PAGE = 20, 100


# ---------------------------------------------------------------------------- what a channel sends
class PartyInSerializer(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=["customer", "reporter"],
        error_messages={"invalid_choice": "role must be customer or reporter, not {input}"},
    )
    id = serializers.CharField(required=False, allow_blank=True, max_length=18, help_text="customer: its credit code")
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="reporter: a contact of the customer, by phone"
    )

    def validate(self, attrs):
        if attrs["role"] == "customer" and not attrs.get("id", "").strip():
            raise serializers.ValidationError("the customer's id (its credit code) is required")
        if attrs["role"] == "reporter" and not attrs.get("phone", "").strip():
            raise serializers.ValidationError("the reporter's phone is required")
        return attrs


class EntityInSerializer(serializers.Serializer):
    id = serializers.RegexField(
        r"^SV\d+$", max_length=20, error_messages={"invalid": "a service is named by its number, e.g. SV000123"}
    )
    role = serializers.ChoiceField(
        choices=["affectedService"], error_messages={"invalid_choice": "role must be affectedService, not {input}"}
    )


class CharacteristicInSerializer(serializers.Serializer):
    name = serializers.ChoiceField(
        choices=["interruption"], error_messages={"invalid_choice": "the only characteristic is interruption"}
    )
    value = serializers.CharField(max_length=10)

    def validate_value(self, value):
        if value.strip().lower() not in YES | NO:
            raise serializers.ValidationError("interruption is yes or no")
        return value.strip().lower() in YES


class TroubleTicketInSerializer(serializers.Serializer):
    externalId = serializers.CharField(max_length=100)  # noqa: N815 - TMF names
    ticketType = serializers.ChoiceField(  # noqa: N815
        choices=list(TICKET_TYPES),
        error_messages={"invalid_choice": f"{{input}} is not a ticket type: use one of {', '.join(TICKET_TYPES)}"},
    )
    description = serializers.CharField(max_length=4000)
    relatedParty = PartyInSerializer(many=True)  # noqa: N815
    relatedEntity = EntityInSerializer(many=True, required=False, default=list)  # noqa: N815
    troubleTicketCharacteristic = CharacteristicInSerializer(many=True, required=False, default=list)  # noqa: N815

    def validate_relatedParty(self, parties):  # noqa: N802
        roles = [p["role"] for p in parties]
        if roles.count("customer") != 1:
            raise serializers.ValidationError("exactly one party with the role customer is required")
        if roles.count("reporter") > 1:
            raise serializers.ValidationError("at most one reporter")
        return parties

    def party(self, role: str) -> dict | None:
        return next((p for p in self.validated_data["relatedParty"] if p["role"] == role), None)

    def to_report(self, customer) -> services.Report:
        data = self.validated_data
        reporter = self.party("reporter")
        contact = None
        if reporter is not None and customer is not None:
            contact = customer.contacts.filter(phone=reporter["phone"].strip()).first()
            if contact is None:
                raise ApplicationError(
                    _("%(phone)s is not the phone of one of this customer's contacts.") % {"phone": reporter["phone"]},
                    field="contact",
                )
        return services.Report(
            type=TICKET_TYPES[data["ticketType"]],
            description=data["description"],
            services=tuple(int(e["id"][2:]) for e in data["relatedEntity"]),
            contact=contact,
            interruption=any(c["value"] for c in data["troubleTicketCharacteristic"]),
        )


def request_digest(body) -> str:
    """The same submission digests the same whatever the order of its keys."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# ---------------------------------------------------------------------------- what a channel reads back
def ticket_representation(ticket: TroubleTicket, history: list | None = None) -> dict:
    """TMF621 TroubleTicket as the channel sees it: no internal note or document, no staff name; a document's
    name only (its file stays behind the staff's scope check)."""
    customer = ticket.customer
    return {
        "id": ticket.number,
        "href": f"/api/v1/troubleTicket/{ticket.number}",
        "externalId": ticket.channel_reference,
        "description": ticket.description,
        "ticketType": WIRE_TYPES[ticket.type],
        "severity": ticket.severity,
        "priority": ticket.priority,
        "status": ticket.status,
        "creationDate": ticket.created_at.isoformat(),
        "lastUpdate": ticket.updated_at.isoformat(),
        "requestedResolutionDate": _iso(ticket.requested_resolution_date),
        "resolutionDate": _iso(ticket.resolved_at),
        "channel": {"id": ticket.api_channel.code, "name": ticket.api_channel.name_en} if ticket.api_channel else None,
        "relatedEntity": [
            {"id": s.number, "role": "affectedService", "name": s.product.name_en, "@referredType": "Service"}
            for s in ticket.services.all()
        ],
        "relatedParty": [
            {"role": "customer", "id": customer.credit_code, "name": customer.name, "@referredType": "Organization"},
            *(
                [{"role": "reporter", "name": ticket.contact.name, "phone": ticket.contact.phone}]
                if ticket.contact
                else []
            ),
        ],
        "troubleTicketCharacteristic": [
            {"name": "interruption", "value": "yes" if ticket.interruption else "no"},
        ],
        "note": [
            {"text": n.text, "date": n.created_at.isoformat(), "@type": "Note"}
            for n in ticket.notes.all()
            if not n.internal
        ],
        "attachment": [
            {"name": a.name, "creationDate": a.created_at.isoformat(), "@type": "Attachment"}
            for a in ticket.attachments.all()
            if not a.internal
        ],
        "statusChange": [
            {"status": e.to_state, "changeDate": e.created_at.isoformat()}
            for e in (history if history is not None else selectors.ticket_status_history(ticket))
        ],
        "@type": "TroubleTicket",
    }


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _named(name: str, fields: dict, **kwargs):
    return inline_serializer(name, fields=fields, **kwargs)


_STR = serializers.CharField
TROUBLE_TICKET_SCHEMA = _named(
    "TroubleTicket",
    {
        **{k: _STR() for k in ("id", "href", "externalId", "description", "severity", "priority", "@type")},
        "ticketType": serializers.ChoiceField(choices=list(TICKET_TYPES)),
        "status": serializers.ChoiceField(choices=TroubleTicket.Status.values),
        **{k: serializers.DateTimeField() for k in ("creationDate", "lastUpdate")},
        **{k: serializers.DateTimeField(allow_null=True) for k in ("requestedResolutionDate", "resolutionDate")},
        "channel": _named("ChannelRef", {"id": _STR(), "name": _STR()}),
        "relatedEntity": _named(
            "RelatedEntity", {"id": _STR(), "role": _STR(), "name": _STR(), "@referredType": _STR()}, many=True
        ),
        "relatedParty": _named(
            "RelatedParty",
            {"role": _STR(), "id": _STR(), "name": _STR(), "phone": _STR(), "@referredType": _STR()},
            many=True,
        ),
        "troubleTicketCharacteristic": _named("Characteristic", {"name": _STR(), "value": _STR()}, many=True),
        "note": _named("Note", {"text": _STR(), "date": serializers.DateTimeField(), "@type": _STR()}, many=True),
        "attachment": _named(
            "Attachment", {"name": _STR(), "creationDate": serializers.DateTimeField(), "@type": _STR()}, many=True
        ),
        "statusChange": _named(
            "StatusChange", {"status": _STR(), "changeDate": serializers.DateTimeField()}, many=True
        ),
    },
)
ERROR_SCHEMA = _named("Error", {k: _STR() for k in ("code", "reason", "message", "status", "@type")})


def _refused(error: ApplicationError) -> ApplicationError:
    """The service's refusal named by the request's field."""
    field = WIRE_FIELDS.get(error.field or "", error.field)
    return ApplicationError(error.message, field=field)


class TroubleTicketListView(APIView):
    """`POST` reports a ticket; `GET` lists the channel's own tickets, newest first."""

    authentication_classes = [ChannelTokenAuthentication]
    channel_model = TicketChannel
    permission_classes = [IsChannel]

    @extend_schema(
        operation_id="troubleTicketCreate",
        request=TroubleTicketInSerializer,
        responses={
            201: OpenApiResponse(TROUBLE_TICKET_SCHEMA, description="Created: the ticket's flow has started."),
            200: OpenApiResponse(TROUBLE_TICKET_SCHEMA, description="The same submission again: the ticket it made."),
            400: OpenApiResponse(ERROR_SCHEMA, description="Malformed body."),
            401: OpenApiResponse(ERROR_SCHEMA, description="No, unknown or revoked channel token."),
            409: OpenApiResponse(ERROR_SCHEMA, description="This externalId was sent before with another body."),
            422: OpenApiResponse(
                ERROR_SCHEMA,
                description="Refused by a business rule: the customer is not archived, a service is not one of its "
                "running services, a fault names no service, the reporter is not one of its contacts.",
            ),
        },
    )
    def post(self, request):
        serializer = TroubleTicketInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = selectors.archived_customer(serializer.party("customer")["id"].strip())
        try:
            ticket, created = services.ticket_receive(
                api_channel=request.auth,
                reference=serializer.validated_data["externalId"],
                digest=request_digest(request.data),
                customer=customer,
                report_of=serializer.to_report,
            )
        except services.ReferenceReusedError as reused:
            return tmf_error(
                status.HTTP_409_CONFLICT,
                "Conflict",
                _("externalId %(reference)s was sent before with another body: it is ticket %(ticket)s.")
                % {"reference": serializer.validated_data["externalId"], "ticket": reused.ticket.number},
            )
        except ApplicationError as error:
            raise _refused(error) from error
        ticket = selectors.channel_tickets(request.auth).get(pk=ticket.pk)
        return Response(
            ticket_representation(ticket), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        operation_id="troubleTicketList",
        parameters=[
            OpenApiParameter("externalId", str, description="Only the ticket the channel sent under this reference."),
            OpenApiParameter("status", str, enum=TroubleTicket.Status.values),
            OpenApiParameter("offset", int),
            OpenApiParameter("limit", int, description=f"At most {MAX_PAGE}; {PAGE} by default."),
        ],
        responses={200: TROUBLE_TICKET_SCHEMA.__class__(many=True), 400: ERROR_SCHEMA, 401: ERROR_SCHEMA},
    )
    def get(self, request):
        tickets = selectors.channel_tickets(request.auth)
        if "externalId" in request.query_params:
            tickets = tickets.filter(channel_reference=request.query_params["externalId"])
        if "status" in request.query_params:
            if request.query_params["status"] not in TroubleTicket.Status.values:
                raise serializers.ValidationError({"status": f"one of {', '.join(TroubleTicket.Status.values)}"})
            tickets = tickets.filter(status=request.query_params["status"])
        offset, limit = _number(request, "offset", 0, None), _number(request, "limit", PAGE, MAX_PAGE)
        total = tickets.count()
        page = list(tickets[offset : offset + limit])
        histories = selectors.ticket_status_histories(page)
        response = Response([ticket_representation(t, histories.get(t.pk, [])) for t in page])
        response["X-Total-Count"], response["X-Result-Count"] = str(total), str(len(page))
        return response


def _number(request, name: str, default: int, most: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or (most is not None and not 1 <= int(raw) <= most):
        raise serializers.ValidationError({name: "a whole number" + (f" from 1 to {most}" if most else "")})
    return int(raw)


class TroubleTicketDetailView(APIView):
    """A channel reads one ticket it reported; any other is unknown to it (404)."""

    authentication_classes = [ChannelTokenAuthentication]
    channel_model = TicketChannel
    permission_classes = [IsChannel]

    @extend_schema(
        operation_id="troubleTicketRetrieve",
        responses={200: TROUBLE_TICKET_SCHEMA, 401: ERROR_SCHEMA, 404: ERROR_SCHEMA},
    )
    def get(self, request, ticket_id: str):
        pk = selectors.ticket_pk(ticket_id)
        ticket = selectors.channel_tickets(request.auth).filter(pk=pk).first() if pk else None
        if ticket is None:
            raise Http404
        return Response(ticket_representation(ticket))
