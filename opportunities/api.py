"""Channel intake: the customer portal, the hotline and partners submit opportunities (TMF699 shape)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer
from customers.validators import normalise_credit_code, validate_credit_code, validate_mainland_phone
from keyaccounts.catalogue.models import Product
from keyaccounts.core.api import ChannelTokenAuthentication, IsChannel
from keyaccounts.core.models import City

from .models import Channel, Opportunity
from .services import OpportunityInput, opportunity_receive
from .validators import validate_expected_close_date


class CustomerRefSerializer(serializers.Serializer):
    creditCode = serializers.CharField(required=False, allow_blank=True, max_length=18)  # noqa: N815 - TMF names
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate_creditCode(self, value):  # noqa: N802
        if value:
            validate_credit_code(value)
        return normalise_credit_code(value)

    def validate(self, attrs):
        if not attrs.get("creditCode") and not attrs.get("name", "").strip():
            raise serializers.ValidationError("a creditCode or a name is required")
        return attrs


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=20, validators=[validate_mainland_phone])  # as the page's form


class OpportunityInSerializer(serializers.Serializer):
    externalId = serializers.CharField(max_length=100)  # noqa: N815
    customer = CustomerRefSerializer()
    city = serializers.SlugRelatedField(slug_field="code", queryset=City.objects.all())
    products = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all(), many=True)
    estimatedValue = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)  # noqa: N815
    expectedCloseDate = serializers.DateField(validators=[validate_expected_close_date])  # noqa: N815
    description = serializers.CharField(max_length=4000)
    contact = ContactSerializer(required=False)
    needsSurvey = serializers.BooleanField(required=False, default=False)  # noqa: N815
    needsSolution = serializers.BooleanField(required=False, default=False)  # noqa: N815
    archived = None  # the archived customer the creditCode names, once validated

    def validate_customer(self, ref):
        """An archived customer's creditCode, or a prospect's name (with its creditCode if it has one): a name
        that is not the archived customer's would make the opportunity both."""
        code, name = ref.get("creditCode"), ref.get("name", "").strip()
        self.archived = Customer.objects.filter(credit_code=code).first() if code else None
        if self.archived is not None and name and name != self.archived.name:
            raise serializers.ValidationError(
                {
                    "name": _(
                        "creditCode %(code)s is the archived customer %(customer)s: send the creditCode alone for "
                        "it, or a prospect's name without that creditCode."
                    )
                    % {"code": code, "customer": self.archived.name}
                }
            )
        return ref

    def to_input(self) -> OpportunityInput:
        data = self.validated_data
        ref = data["customer"]
        customer = self.archived
        contact = data.get("contact") or {}
        return OpportunityInput(
            city=data["city"],
            products=list(data["products"]),
            estimated_value=data["estimatedValue"],
            expected_close_date=data["expectedCloseDate"],
            description=data["description"],
            customer=customer,
            prospect_name="" if customer else (ref.get("name") or ref["creditCode"]),
            contact_name=contact.get("name", ""),
            contact_phone=contact.get("phone", ""),
            needs_survey=data["needsSurvey"],
            needs_solution=data["needsSolution"],
        )


def opportunity_representation(opportunity: Opportunity) -> dict:
    return {
        "id": opportunity.number,
        "externalId": opportunity.external_id,
        "status": opportunity.status,
        "channel": {"id": opportunity.channel.code, "name": opportunity.channel.name_en},
        "customer": {
            "name": opportunity.company_name,
            "creditCode": opportunity.customer.credit_code if opportunity.customer_id else None,
        },
        "city": opportunity.city.code,
        "products": [p.code for p in opportunity.products.all()],
        "estimatedValue": str(opportunity.estimated_value),
        "expectedCloseDate": opportunity.expected_close_date.isoformat(),
        "routedTo": "accountManager" if opportunity.account_manager_id else "cityQueue",
        "@type": "SalesOpportunity",
    }


class OpportunityIntakeView(APIView):
    authentication_classes = [ChannelTokenAuthentication]
    channel_model = Channel
    permission_classes = [IsChannel]

    @extend_schema(request=OpportunityInSerializer, responses={201: dict, 200: dict})
    def post(self, request):
        serializer = OpportunityInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        opportunity, created = opportunity_receive(
            channel=request.auth, external_id=serializer.validated_data["externalId"], data=serializer.to_input()
        )
        return Response(
            opportunity_representation(opportunity), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class OpportunityStatusView(APIView):
    """A channel reads back what it submitted, and nothing else."""

    authentication_classes = [ChannelTokenAuthentication]
    channel_model = Channel
    permission_classes = [IsChannel]

    @extend_schema(responses={200: dict})
    def get(self, request, external_id: str):
        opportunity = get_object_or_404(Opportunity, channel=request.auth, external_id=external_id)
        return Response(opportunity_representation(opportunity))
