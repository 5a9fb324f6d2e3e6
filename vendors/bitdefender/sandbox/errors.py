"""GravityZone-shaped errors: JSON-RPC 2.0 error objects with ``data.details``.

The exact Bitdefender code table is not published; the sandbox uses the JSON-RPC standard codes
(-32700 parse, -32600 invalid request, -32601 unknown method, -32602 invalid params, -32000
server error) with a human ``data.details``, answered with HTTP 200 like any JSON-RPC result.
Transport-level refusals keep their HTTP status (401 bad key, 403 key without that API, 405 not
POST, 429 throttled, 500 failure) and carry the same envelope.
"""

from __future__ import annotations

from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
SERVER_ERROR = -32000

MESSAGES = {
    PARSE_ERROR: "Parse error",
    INVALID_REQUEST: "Invalid Request",
    METHOD_NOT_FOUND: "Method not found",
    INVALID_PARAMS: "Invalid params",
    SERVER_ERROR: "Server error",
}


class RpcError(Exception):
    """Raised by a handler; becomes the JSON-RPC error object of the answer."""

    code: int = SERVER_ERROR

    def __init__(self, details: str, code: int | None = None) -> None:
        super().__init__(details)
        self.details = details
        if code is not None:
            self.code = code


class ParseError(RpcError):
    code = PARSE_ERROR


class InvalidRequest(RpcError):
    code = INVALID_REQUEST


class MethodNotFound(RpcError):
    code = METHOD_NOT_FOUND


class InvalidParams(RpcError):
    code = INVALID_PARAMS


class ServerError(RpcError):
    """Business-rule refusals (unknown company, duplicate name...) come back as -32000."""

    code = SERVER_ERROR


def error_body(request_id: Any, code: int, details: str) -> dict[str, Any]:
    return {
        "id": request_id,
        "jsonrpc": "2.0",
        "error": {"code": code, "message": MESSAGES[code], "data": {"details": details}},
    }


def company_not_found(company_id: str) -> ServerError:
    return ServerError(f"The company with ID {company_id} was not found.")
