"""The service's error type: every refusal names a code, the field at fault and a readable message."""

from __future__ import annotations


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "field", "message"}}`` with an HTTP status."""

    def __init__(
        self, status: int, code: str, message: str, field: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.field = field
        self.message = message
        # Seconds a client should wait before trying again (429, 503).
        self.retry_after = retry_after

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "field": self.field, "message": self.message}}


def invalid(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid", message, field)


def not_found(field: str | None, message: str) -> ApiError:
    return ApiError(404, "not_found", message, field)


def too_large(field: str, message: str) -> ApiError:
    return ApiError(413, "too_large", message, field)


def unsupported_media(field: str | None, message: str) -> ApiError:
    return ApiError(415, "unsupported_media_type", message, field)
