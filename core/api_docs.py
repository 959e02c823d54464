"""The OpenAPI schema documents every error response of every operation (it is the contract)."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse

from core.api import ErrorSerializer

DESCRIPTIONS = {
    400: "Invalid input or filter; `error.fields` says which field and why.",
    401: "Not authenticated: send `Authorization: Token <key>`.",
    403: "Authenticated, but this user may not do this (e.g. another region's KPI).",
    404: "No such object (or not visible to this user), no such page of a list, or an "
    "unknown `format`.",
    409: "`stale_version`: changed by someone else since read (nothing was written); "
    "`invalid_state`: the value's workflow state does not allow this.",
    415: "The body is not JSON (send `Content-Type: application/json`).",
    429: "Too many requests from an anonymous caller; slow down or authenticate.",
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method == "GET":
            codes = [400, 404, 429] if self._is_list_view() else [404, 429]
        elif self._is_create_operation():
            codes = [400, 401, 403, 404, 415, 429]
        else:
            codes = [400, 401, 403, 404, 409, 415, 429]
        for code in codes:
            responses.setdefault(
                str(code),
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS[code]),
                    str(code),
                    direction=direction,
                ),
            )
        return responses
