"""A small typed client for the few Telegram Bot API methods Ovoz uses, over httpx (ADR 0004).

The bot token is part of every Bot API URL, so nothing here logs a URL, and the ``httpx`` logger is
kept at WARNING in settings (it would otherwise log each request's URL at INFO).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_API_BASE = "https://api.telegram.org"
TIMEOUT_SECONDS = 10
MAX_PHOTO_BYTES = 5 * 1024 * 1024
ALLOWED_UPDATES = ["message", "callback_query"]


class BotApiError(Exception):
    """The Bot API refused a call or could not be reached; ``is_retryable`` says whether to try again.

    ``message`` may quote Telegram's description of the refusal, for an operator at a terminal
    (``ovoz telegram-webhook``); ``summary`` never does (status and method only), and is what may be
    stored or logged: a description comes from elsewhere and could name a chat.
    """

    def __init__(self, message: str, *, is_retryable: bool, summary: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.summary = summary or message
        self.is_retryable = is_retryable


class FileTooLarge(BotApiError):
    """A file a user sent is larger than Ovoz takes."""

    def __init__(self) -> None:
        super().__init__("file too large", is_retryable=False)


@dataclass(frozen=True)
class BotApi:
    token: str
    base: str = DEFAULT_API_BASE

    def _url(self, method: str) -> str:
        return f"{self.base.rstrip('/')}/bot{self.token}/{method}"

    def call(self, method: str, payload: dict[str, Any]) -> Any:
        """Call one method; returns its ``result`` or raises BotApiError (never with the token in it)."""
        try:
            response = httpx.post(self._url(method), json=payload, timeout=TIMEOUT_SECONDS)
        except httpx.HTTPError as error:
            raise BotApiError(f"Bot API unreachable: {error.__class__.__name__}", is_retryable=True) from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code != 200 or not isinstance(data, dict) or not data.get("ok"):
            description = str(data.get("description", "")) if isinstance(data, dict) else ""
            raise BotApiError(
                f"Bot API answered {response.status_code} to {method}: {description[:120]}",
                is_retryable=response.status_code == 429 or response.status_code >= 500,
                summary=f"Bot API answered {response.status_code} to {method}",
            )
        return data.get("result")

    def send_message(self, *, chat_id: str, text: str, reply_markup: dict[str, Any] | None = None) -> None:
        payload: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if reply_markup:
            payload["reply_markup"] = reply_markup
        self.call("sendMessage", payload)

    def set_webhook(self, *, url: str, secret_token: str) -> None:
        self.call(
            "setWebhook",
            {
                "url": url,
                "secret_token": secret_token,
                "allowed_updates": ALLOWED_UPDATES,
                "drop_pending_updates": False,
            },
        )

    def delete_webhook(self) -> None:
        self.call("deleteWebhook", {})

    def download_file(self, *, file_id: str, max_bytes: int = MAX_PHOTO_BYTES) -> bytes:
        """Fetch a file a user sent (getFile, then the file path); refuses anything larger than ``max_bytes``."""
        result = self.call("getFile", {"file_id": file_id})
        file_path = result.get("file_path") if isinstance(result, dict) else None
        if not isinstance(file_path, str) or not file_path or ".." in file_path:
            raise BotApiError("Bot API gave no file path", is_retryable=False)
        if isinstance(result.get("file_size"), int) and result["file_size"] > max_bytes:
            raise FileTooLarge
        url = f"{self.base.rstrip('/')}/file/bot{self.token}/{file_path}"
        try:
            with httpx.stream("GET", url, timeout=TIMEOUT_SECONDS) as response:
                if response.status_code != 200:
                    raise BotApiError(f"file download answered {response.status_code}", is_retryable=True)
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FileTooLarge
                    chunks.append(chunk)
        except httpx.HTTPError as error:
            raise BotApiError(f"file download failed: {error.__class__.__name__}", is_retryable=True) from None
        return b"".join(chunks)


def bot_api_for(credentials: dict[str, Any]) -> BotApi:
    return BotApi(token=str(credentials["token"]), base=str(credentials.get("api_base") or DEFAULT_API_BASE))
