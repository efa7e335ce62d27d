"""A chat socket from a raw TCP connection, as an attacker without a browser (or a Socket.IO
library) would open one: the WebSocket handshake by hand, then Engine.IO and Socket.IO frames
written as bytes, many in one write. No Origin header: such a client is let in (docs/security.md)."""

from __future__ import annotations

import base64
import os
import socket
import struct
import time
from typing import List, Optional

TEXT, BINARY, CLOSE = 0x1, 0x2, 0x8


def frame(payload: bytes, opcode: int = TEXT) -> bytes:
    """One WebSocket frame from a client: final, masked (RFC 6455 5.3)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class RawChatSocket:
    def __init__(self, port: int, timeout: float = 10.0):
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.connection.sendall(
            (
                "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.connection.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace"))
        self.closed = False

    def read_frame(self, timeout: float = 10.0) -> Optional[str]:
        """The next text frame's payload; None once the server has closed the connection; raises
        TimeoutError when nothing came within `timeout`."""
        self.connection.settimeout(timeout)
        while True:
            parsed = self._parse()
            if parsed is not None:
                opcode, payload = parsed
                if opcode == CLOSE:
                    self.closed = True
                    return None
                if opcode == TEXT:
                    return payload.decode(errors="replace")
                continue
            try:
                chunk = self.connection.recv(65536)
            except ConnectionError:
                chunk = b""
            if not chunk:
                self.closed = True
                return None
            self.buffer += chunk

    def _parse(self):
        if len(self.buffer) < 2:
            return None
        first, second = self.buffer[0], self.buffer[1]
        length, offset = second & 0x7F, 2
        if length == 126:
            if len(self.buffer) < 4:
                return None
            (length,), offset = struct.unpack("!H", self.buffer[2:4]), 4
        elif length == 127:
            if len(self.buffer) < 10:
                return None
            (length,), offset = struct.unpack("!Q", self.buffer[2:10]), 10
        if len(self.buffer) < offset + length:
            return None
        payload, self.buffer = self.buffer[offset : offset + length], self.buffer[offset + length :]
        return first & 0x0F, payload

    def join_namespace(self) -> str:
        """Engine.IO's open packet, then Socket.IO's connect: returns the open packet."""
        opened = self.read_frame()
        assert opened and opened.startswith("0{"), opened
        self.send_frames(["40"])
        while True:
            answer = self.read_frame()
            assert answer is not None, "closed while joining"
            if answer.startswith("40"):
                return opened

    def send_frames(self, packets: List, opcode: int = TEXT) -> None:
        """Every packet as a frame of its own, all in one write."""
        data = b"".join(frame(p if isinstance(p, bytes) else p.encode(), opcode) for p in packets)
        try:
            self.connection.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            self.closed = True

    def wait_until_closed(self, timeout: float) -> float:
        """Seconds until the server closed the connection (reading whatever it sends meanwhile);
        raises AssertionError if it is still open after `timeout`."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            try:
                if self.read_frame(timeout=max(0.1, timeout - (time.monotonic() - began))) is None:
                    return time.monotonic() - began
            except TimeoutError:
                break
        raise AssertionError(f"the socket is still open after {timeout} s")

    def close(self) -> None:
        try:
            self.connection.close()
        except OSError:
            pass
