"""API plumbing shared by every endpoint: pagination, CSV output and one error body."""

import csv
import io

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from core.errors import ConflictError, WorkflowError
from core.spreadsheets import safe_cell


class Pagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        # DRF quietly ignores a bad page_size; a caller deserves to hear about it.
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        if (
            len(values) > 1
            or not values[0].isdigit()
            or not 1 <= int(values[0]) <= self.max_page_size
        ):
            raise exceptions.ValidationError(
                {"page_size": [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(values[0])

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = f"Items per page, 1 to {self.max_page_size}."
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `stale_version`.")
    message = serializers.CharField(help_text="A sentence for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per-field messages, for invalid input.",
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    error = ErrorDetailSerializer()


def _body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            key: [str(m) for m in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    return {
        "non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]
    }


def exception_handler(exc, context):
    """Turn every error — DRF's and the services' — into `{"error": {code, message, fields}}`."""
    # Imported here: rest_framework.views reads the renderer setting, which names this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, ConflictError):
        return Response(_body("stale_version", exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, WorkflowError):
        return Response(_body("invalid_state", exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        message = " ".join(m for messages in fields.values() for m in messages)
        return Response(_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = " ".join(m for messages in fields.values() for m in messages)
        response.data = _body("invalid", message, fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = _body(str(code), str(detail))
    return response


class CSVRenderer(BaseRenderer):
    """`?format=csv` on list endpoints: one row per item, nested fields as `a.b` columns."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "results" in data:
            items = data["results"]
        elif isinstance(data, list):
            items = data
        else:
            items = [data]
        rows = [self._flat(item) for item in items]
        columns: list[str] = []
        for row in rows:
            columns += [key for key in row if key not in columns]
        out = io.StringIO()
        out.write("\ufeff")  # Korean Excel needs the BOM to read UTF-8
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({key: safe_cell(value) for key, value in row.items()} for row in rows)
        return out.getvalue().encode("utf-8")

    def _flat(self, item, prefix: str = "") -> dict:
        flat = {}
        for key, value in item.items() if isinstance(item, dict) else [("value", item)]:
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                flat.update(self._flat(value, prefix=f"{name}."))
            elif isinstance(value, list):
                flat[name] = "; ".join(str(v) for v in value if not isinstance(v, dict | list))
            else:
                flat[name] = "" if value is None else value
        return flat


@csrf_exempt  # nothing is changed here, and a CSRF page would not be JSON
def not_found(request, *args, **kwargs):
    """Any /api/ path that matches no endpoint: a JSON 404 in the usual error shape."""

    return JsonResponse(_body("not_found", "No such API endpoint."), status=404)


class APILanguageMiddleware:
    """The API speaks the caller's language (`Accept-Language: en`), Korean by default.

    Pages choose theirs by the address (/en/...); API addresses have no language prefix, so
    Django's LocaleMiddleware would answer every API call in Korean."""

    PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(self.PREFIX):
            return self.get_response(request)
        language = translation.get_language_from_request(request)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        response.headers["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language",))
        return response
