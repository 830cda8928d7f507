"""Additions to the generated OpenAPI schema: the error answers every operation can give.

drf-spectacular documents what a view returns when it succeeds; Tandem's access rules
add the same few refusals everywhere (401 without credentials, 403 without the right,
404 for what you may not see, 429 when throttled, 400 for bad input), so they are
documented here once rather than on every view.
"""

ERROR = {
    "type": "object",
    "description": "`detail` says what went wrong; a validation error lists messages per field instead.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
REFUSALS = {
    "400": "The request is malformed or fails a rule; nothing was written.",
    "401": "No credentials, or a token that is unknown or revoked.",
    "403": "You may see this account but not do this (or a session request lacks its CSRF token).",
    "404": "Not found — or in an account you may not see.",
    "429": "Too many requests; wait and retry.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in REFUSALS.items():
                responses.setdefault(status, {
                    "description": description,
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"},
                        "examples": {"Refused": {"value": {"detail": description}}},
                    }},
                })
    return result
