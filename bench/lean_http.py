"""A lean HTTP/1.1 keep-alive client on asyncio streams, so that the load generator costs little CPU.

The service and the load share this machine's two cores; a heavyweight client would take CPU from the
service it measures.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


class LeanClient:
    def __init__(self, base: str, headers: dict[str, str], connections: int) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.size = connections
        self.idle: asyncio.Queue[_Connection] = asyncio.Queue()

    async def __aenter__(self) -> LeanClient:
        for _ in range(self.size):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            self.idle.put_nowait(_Connection(reader, writer))
        return self

    async def __aexit__(self, *_: object) -> None:
        while not self.idle.empty():
            self.idle.get_nowait().writer.close()

    async def post(self, path: str, body: str) -> int:
        """POST and return the status code; the connection goes back to the pool once the body is read."""
        conn = await self.idle.get()
        try:
            payload = body.encode()
            head = f"POST {path} HTTP/1.1\r\nhost: {self.host}\r\n{self.head}"
            conn.writer.write(f"{head}content-length: {len(payload)}\r\n\r\n".encode() + payload)
            status = await _read_response(conn.reader)
        except BaseException:
            conn.writer.close()
            reader, writer = await asyncio.open_connection(self.host, self.port)
            self.idle.put_nowait(_Connection(reader, writer))
            raise
        self.idle.put_nowait(conn)
        return status


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status
