"""A language model behind any OpenAI-compatible endpoint (POST {base}/chat/completions), used to rewrite a
member message; whatever it answers is checked by the message guard before anyone reads it."""

from __future__ import annotations

from typing import Any

import httpx

from pointflow.intelligence.messages.compose import RewriteFailed

_INSTRUCTIONS = (
    "You rewrite short messages a bank sends to members of its loyalty programme about an offer. "
    "Answer with the rewritten message only, in the same language ({locale}), at most two sentences, "
    "warm and plain. Keep every number, percentage and date exactly as written, add none, and make no "
    "promise the message does not make."
)


class ChatRewriter:
    """Rewrites through `chat/completions`; every failure is a RewriteFailed, so the template stands."""

    def __init__(self, client: httpx.Client, *, model: str, temperature: float = 0.3) -> None:
        self.client = client
        self.model = model
        self.temperature = temperature

    def rewrite(self, text: str, *, locale: str) -> str:
        request = {
            "model": self.model,
            "temperature": self.temperature,
            "messages": [
                {"role": "system", "content": _INSTRUCTIONS.format(locale=locale)},
                {"role": "user", "content": text},
            ],
        }
        try:
            response = self.client.post("chat/completions", json=request)
            response.raise_for_status()
            return _content(response.json())
        except httpx.TimeoutException as error:
            raise RewriteFailed(f"the language model timed out ({type(error).__name__})") from error
        except httpx.HTTPStatusError as error:
            raise RewriteFailed(f"the language model answered HTTP {error.response.status_code}") from error
        except (httpx.HTTPError, ValueError) as error:
            raise RewriteFailed(f"the language model could not be used: {error}") from error


def _content(body: Any) -> str:
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as error:
        raise RewriteFailed(f"the answer has no choices[0].message.content: {error!r}") from error
    if not isinstance(content, str) or not content.strip():
        raise RewriteFailed("the answer's content is empty")
    return content


def llm_client(base_url: str, *, api_key: str | None, timeout: float) -> httpx.Client:
    """A client for `{base_url}/chat/completions`; the base keeps its path (e.g. …/v1/)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return httpx.Client(base_url=base_url.rstrip("/") + "/", headers=headers, timeout=timeout)
