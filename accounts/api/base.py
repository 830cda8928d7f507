"""What every API view shares: the quarter field, errors from services, and the
account-scoped viewset that answers 404 to outsiders and 403 to members without the right.

Each app's ``api.py`` declares viewsets on :class:`AccountScopedViewSet`; their
querysets start from ``self.access`` (``accounts.access``), and their writes call the
app's ``services`` — the same functions the pages call.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from accounts.access import AccountAccess, get_account_access
from accounts.concurrency import EditConflict
from accounts.quarters import QUARTER_PATTERN, Quarter
from accounts.quarters import QuarterField as QuarterModelField

QUARTER_SCHEMA = {"type": "string", "pattern": f"^{QUARTER_PATTERN}$", "example": "2026-Q3"}


@extend_schema_field(QUARTER_SCHEMA)
class QuarterField(serializers.CharField):
    """A quarter written ``2026-Q3``, in and out."""

    def __init__(self, **kwargs):
        kwargs.pop("max_length", None)
        kwargs.pop("min_length", None)
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        if data == "" and self.allow_null:
            return None
        return super().run_validation(data)

    def to_internal_value(self, data) -> Quarter:
        text = super().to_internal_value(data)
        try:
            return Quarter.parse(text)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def to_representation(self, value) -> str:
        return str(value)


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, QuarterModelField: QuarterField}

    @cached_property
    def _time_zone(self):
        return timezone.get_current_timezone()

    def time_text(self, value: datetime | None) -> str | None:
        """A time as DRF's DateTimeField writes it (ISO 8601 in the current time zone, ``Z``
        for UTC), for a ``to_representation`` that builds its dict by hand. The zone is
        looked up once per serializer (a list shares one): looking it up for each value
        was most of the cost of a page's hundreds of times."""
        if value is None:
            return None
        text = value.astimezone(self._time_zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


def _as_api_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): messages
            for name, messages in exc.message_dict.items()
        }
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})


def exception_handler(exc, context):
    """A service's ValidationError is the same 400 a serializer would give, with its
    messages per field, and the request's transaction is rolled back. A save that met
    someone else's is a 409 with both versions (:func:`conflict_response`)."""
    if isinstance(exc, EditConflict):
        return conflict_response(exc, context)
    if isinstance(exc, DjangoValidationError):
        exc = _as_api_error(exc)
    if _outside_the_request_transaction(context["request"]):
        # DRF marks whatever transaction is open for rollback. A view that runs outside
        # the request's transaction (the file import) has none of its own: what is open
        # belongs to its caller (a test, a management command) and must be left alone.
        marked = {db.alias: db.needs_rollback for db in connections.all() if db.in_atomic_block}
        response = drf_exception_handler(exc, context)
        for alias, needs_rollback in marked.items():
            connections[alias].set_rollback(needs_rollback)
        return response
    return drf_exception_handler(exc, context)


def conflict_response(conflict: EditConflict, context) -> Response:
    """409: ``detail`` says who saved (or removed) it when, ``yours`` is what was sent and
    ``theirs`` the record as stored now, read as the endpoint shows it (with the version
    to send to replace it), or null when it was removed."""
    request, view = context["request"], context["view"]
    sent = request.data.dict() if hasattr(request.data, "dict") else request.data
    theirs = None if conflict.removed else view.get_serializer(conflict.theirs).data
    set_rollback()
    return Response({"detail": conflict.message, "yours": sent, "theirs": theirs}, status=409)


def _outside_the_request_transaction(request) -> bool:
    view = getattr(request.resolver_match, "func", None)
    return bool(getattr(view, "_non_atomic_requests", None))


VERSION_HELP = (
    "How many times the record was saved. To change it, send the version you last read: if someone saved it "
    "since, nothing is saved and the answer is 409 with both versions (``yours``, ``theirs``)."
)


class VersionedSerializer(ModelSerializer):
    """A record several people edit (``accounts.concurrency``): every answer carries its
    ``version``, and a change must send the version it was based on."""

    version = serializers.IntegerField(min_value=0, required=False, help_text=VERSION_HELP)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is not None and "version" not in attrs:
            raise serializers.ValidationError({"version": ["Send the version you last read, so that nobody's "
                                                           "change is overwritten unseen."]})
        return attrs


class EditConflictSerializer(serializers.Serializer):
    """What a 409 answers when a change met someone else's."""

    detail = serializers.CharField(help_text="Who saved or removed it, and when.")
    yours = serializers.DictField(required=False, help_text="What you sent; nothing of it was saved.")
    theirs = serializers.DictField(required=False, allow_null=True,
                                   help_text="The record as stored now, with the version to send to replace it; "
                                             "null when it was removed.")


def conflict_responses(serializer, status_code: int = 200) -> dict:
    """The answers of a change of a versioned record, for ``extend_schema``."""
    return {status_code: serializer, 409: OpenApiResponse(
        EditConflictSerializer, description="Someone saved (or removed) it since the version you sent; nothing was "
                                            "saved.")}


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "This was changed by someone else; fetch it again."
    default_code = "conflict"


class AccountScopedViewSet(viewsets.GenericViewSet):
    """A viewset under ``/api/v1/accounts/<account_slug>/``.

    The account comes from the URL through ``get_account_access``: a user who cannot see
    it gets a 404, like the pages. ``allowed(access)`` then decides the action; refused
    members get a 403. Subclasses build their queryset from ``self.access`` in
    ``scoped_queryset``.
    """

    access: AccountAccess
    model = None  # for the schema, which is generated without a request user

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttling
        self.access = get_account_access(request.user, self.kwargs["account_slug"])
        if not self.allowed(self.access):
            raise exceptions.PermissionDenied("You may see this account but not do this.")

    def allowed(self, access: AccountAccess) -> bool:
        """Reading is for everyone who can see the account; writing needs ``can_write(access)``."""
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return self.can_write(access)

    def can_write(self, access: AccountAccess) -> bool:
        return access.can_edit_account

    def scoped_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped_queryset()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["access"] = getattr(self, "access", None)
        return context
