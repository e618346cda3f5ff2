"""How the service says no: every refusal is a 4xx with a stable code and located detail.

Three shapes, one per kind of problem:

- `{"diagnostics": [...]}` (422) for anything wrong *in* the request: a document or policy set
  that does not load (`policy.diagnostics.DiagnosticError`, the same JSON as
  `rev validate --format json`) and a request body or parameter of the wrong shape (pydantic),
  each with its JSON Pointer and where it is (`in`: body, query, path or header).
- `{"code", "reason", "detail"}` for refusals about the request as a whole (401, 403, 404, 409,
  413): `reason` is the sentence to show, `detail` repeats it for FastAPI-style clients.
- Nothing else: invalid input never reaches a 500. (A database that is down is a 503.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from policy.canonical import storable_json
from policy.diagnostics import DiagnosticError
from policy.documents.scalars import describe


class ApiError(Exception):
    """A refusal with a status, a stable code (`auth/forbidden`) and a reason people can act on."""

    def __init__(self, status: int, code: str, reason: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason
        self.headers = dict(headers or {})


class RequestProblem(Exception):
    """Problems found in a request by the service itself (not by pydantic): answered with 422."""

    def __init__(self, diagnostics: Sequence[dict[str, Any]]) -> None:
        super().__init__(diagnostics[0]["message"] if diagnostics else "invalid request")
        self.diagnostics = list(diagnostics)


def refusal(status: int, code: str, reason: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The JSON response for a refusal."""
    return JSONResponse({"code": code, "reason": reason, "detail": reason}, status_code=status, headers=headers)


def diagnostics_response(diagnostics: Sequence[dict[str, Any]]) -> JSONResponse:
    """The 422 response listing every problem found in a request."""
    return JSONResponse({"diagnostics": list(diagnostics)}, status_code=422)


def request_diagnostic(
    code: str, message: str, *, location: str, pointer: str, help: str | None = None
) -> dict[str, Any]:
    """A problem with the request itself, in the shape of `Diagnostic.to_json()` plus `in`."""
    return {
        "code": code,
        "severity": "error",
        "stage": "usage",
        "message": message,
        "help": help,
        "file": None,
        "line": None,
        "column": None,
        "end_line": None,
        "end_column": None,
        "pointer": pointer,
        "in": location,
    }


def pointer_of(parts: Sequence[object]) -> str:
    """A JSON Pointer (RFC 6901) from path parts: `/components/1/weight`."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (an unpaired \\ud800-\\udfff escape), which is not text"
    return None


def _text_problems(value: object, parts: list[object], found: list[dict[str, Any]]) -> None:
    """Walk JSON values, collecting every string (key or value) that cannot be stored as text."""
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem:
            found.append(_invalid_text(parts, f"the text {problem}"))
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = _text_problem(key)
            if problem:
                found.append(_invalid_text([*parts, key], f"the field name {problem}"))
            _text_problems(item, [*parts, key], found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _text_problems(item, [*parts, index], found)


def _invalid_text(parts: list[object], message: str) -> dict[str, Any]:
    pointer = pointer_of([str(p).encode("utf-8", "backslashreplace").decode() for p in parts])
    return request_diagnostic("request/invalid-text", message, location="body", pointer=pointer)


def check_storable_text(value: object, *prefix: object) -> None:
    """422 when a JSON value holds text no database can keep (NUL, lone surrogates).

    JSON allows both as escapes and Python's parser lets them through; PostgreSQL refuses NUL
    in text and nothing can encode a lone surrogate as UTF-8, so they are refused up front, each
    with its pointer, instead of failing deep in storage. The common case costs one orjson dump
    (which refuses lone surrogates and writes NUL as an escape); anything else is walked.
    """
    dumped = storable_json(value)
    if dumped is not None and b"\\u0000" not in dumped:
        return
    found: list[dict[str, Any]] = []
    _text_problems(value, list(prefix), found)
    if found:
        raise RequestProblem(found)


_HELP = {
    "missing": "add the field",
    "extra_forbidden": "remove the field; it is not part of this request",
    "json_invalid": "send a JSON object with Content-Type: application/json",
    "date_from_datetime_parsing": "write dates as YYYY-MM-DD",
    "date_parsing": "write dates as YYYY-MM-DD",
}


_WHOLE_BODY_HELP = "send a JSON object with this request's fields (each request's are listed at /docs)"


def _validation_diagnostic(error: Mapping[str, Any]) -> dict[str, Any]:
    """One pydantic error as a located diagnostic."""
    location, *path = error.get("loc") or ("body",)
    kind = str(error.get("type", "invalid"))
    if kind == "json_invalid":
        detail = (error.get("ctx") or {}).get("error", "not valid JSON")
        at = path[0] if path else 0
        message = f"the body is not valid JSON: {str(detail).lower()} at character {at}"
        return request_diagnostic("request/json-invalid", message, location="body", pointer="", help=_HELP[kind])
    if location == "body" and not path:  # the body as a whole: say what it should have been
        if kind == "missing":
            return request_diagnostic(
                "request/empty-body", "the request has no body", location="body", pointer="", help=_WHOLE_BODY_HELP
            )
        if kind in ("model_attributes_type", "model_type", "dict_type"):
            found = error.get("input")
            found = describe(Decimal(repr(found)) if isinstance(found, float) else found)
            return request_diagnostic(
                "request/not-an-object",
                f"the body must be a JSON object, found {found}",
                location="body",
                pointer="",
                help=_WHOLE_BODY_HELP,
            )
    message = str(error.get("msg", "invalid value"))
    message = message[:1].lower() + message[1:]
    if path:
        message = f"`{path[-1]}`: {message}"
    return request_diagnostic(
        "request/" + kind.replace("_", "-"),
        message,
        location=str(location),
        pointer=pointer_of(path),
        help=_HELP.get(kind),
    )


async def _on_api_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return refusal(error.status, error.code, error.reason, error.headers)


async def _on_diagnostics(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DiagnosticError)
    return diagnostics_response([diagnostic.to_json() for diagnostic in error.diagnostics])


async def _on_request_problem(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestProblem)
    return diagnostics_response(error.diagnostics)


async def _on_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = list(error.errors())
    hint = _common_slip(request, errors)
    if hint is not None:
        return diagnostics_response([hint])
    return diagnostics_response([_validation_diagnostic(item) for item in errors])


def _common_slip(request: Request, errors: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """One clear diagnostic for the two slips that otherwise give a page of field errors."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body_errors = [e for e in errors if (e.get("loc") or ("",))[0] == "body"]
    if body_errors and request.method in ("POST", "PUT") and media != "application/json":
        return request_diagnostic(
            "request/not-json",
            f"the body was sent as `{media or 'no content type'}`, not JSON",
            location="header",
            pointer="",
            help="send `Content-Type: application/json` (curl: -H 'Content-Type: application/json')",
        )
    missing = {tuple(e.get("loc") or ()) for e in body_errors if e.get("type") == "missing"}
    extra = {tuple(e.get("loc") or ()) for e in body_errors if e.get("type") == "extra_forbidden"}
    if ("body", "document") in missing and ("body", "kind") in extra:
        return request_diagnostic(
            "request/unwrapped-document",
            "the body is a document; the request wraps it",
            location="body",
            pointer="",
            help='send `{"document": {…your document…}, "date": "YYYY-MM-DD"}`',
        )
    return None


async def _on_database_down(_request: Request, error: Exception) -> JSONResponse:
    # Not the client's fault and not a bug in the request: say so, and when to come back.
    reason = "the database is unavailable; try again shortly"
    return refusal(503, "service/database-unavailable", reason, {"Retry-After": "5"})


async def _on_http(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400 and error.detail == "There was an error parsing the body":
        # FastAPI's answer when the JSON parser itself gives up (nesting too deep, a number
        # with thousands of digits); say which limits, since it does not say which one.
        reason = "the body could not be parsed: JSON nested too deeply or a number too long"
        return refusal(400, "request/unparsable-body", reason)
    reason = str(error.detail)
    # Starlette's default detail is the status phrase: "Not Found" reads "not found", not "not Found".
    standard = reason == _status_phrase(error.status_code)
    reason = reason.lower() if standard else reason[:1].lower() + reason[1:]
    return refusal(error.status_code, f"http/{error.status_code}", reason, getattr(error, "headers", None))


def _status_phrase(status: int) -> str | None:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return None


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of refusal to its one response shape."""
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(DiagnosticError, _on_diagnostics)
    app.add_exception_handler(RequestProblem, _on_request_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(OperationalError, _on_database_down)
