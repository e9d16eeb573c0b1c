"""A proxy on a Unix socket that cuts a client's connection at its COMMIT, as a network would.

It forwards the PostgreSQL protocol byte for byte between clients and the cluster's socket, and
reads the client's messages as they pass. Once armed (`cut`), at the first COMMIT a client sends:

- "before": the COMMIT never reaches the server and the client's side is closed; the server's side
  stays open, as across a dropped network: the server still sees the transaction in progress, its
  row locks held, until the proxy is closed.
- "after": the COMMIT goes to the server, the server's reply (CommandComplete, ReadyForQuery) is
  read and thrown away, and the client's side is closed: the server committed, the client never
  heard.

Every other connection (before, after, and the one asking what happened) is forwarded untouched.
"""

from __future__ import annotations

import os
import socket
import struct
import tempfile
import threading
from pathlib import Path

UNTYPED = {80877103, 80877104}  # SSLRequest, GSSENCRequest: answered with one byte, then the startup


def _read_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


class CutProxy:
    """`url(db, user)` goes through the proxy; `cut("before"|"after")` arms it for one COMMIT;
    `cuts` counts the COMMITs cut."""

    def __init__(self, cluster) -> None:
        self.cluster = cluster
        self.dir = Path(tempfile.mkdtemp(prefix="hsp-cut-"))
        os.chmod(self.dir, 0o755)
        self.target = str(cluster.socket_dir / ".s.PGSQL.5432")
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(self.dir / ".s.PGSQL.5432"))
        self._listener.listen(16)
        self._armed: str | None = None
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, db: str, user: str) -> str:
        return self.cluster.url(db, user).replace(f"host={self.cluster.socket_dir}", f"host={self.dir}")

    def cut(self, when: str) -> None:
        assert when in ("before", "after")
        self._armed = when

    def close(self) -> None:
        self._listener.close()
        for sock in self._open:
            try:
                sock.close()
            except OSError:
                pass
        try:
            os.unlink(self.dir / ".s.PGSQL.5432")
            os.rmdir(self.dir)
        except OSError:
            pass

    # -- forwarding ----------------------------------------------------------------------------
    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.connect(self.target)
            self._open += [client, server]
            replies = threading.Condition()
            state = {"swallow": False}
            threading.Thread(target=self._client_to_server, args=(client, server, state, replies), daemon=True).start()
            threading.Thread(target=self._server_to_client, args=(server, client, state, replies), daemon=True).start()

    def _take(self) -> str | None:
        with self._lock:
            when, self._armed = self._armed, None
            return when

    def _client_to_server(self, client, server, state, replies) -> None:
        try:
            while True:  # the untyped start: SSL/GSS requests, then the startup message
                (length,) = struct.unpack("!i", _read_exact(client, 4))
                body = _read_exact(client, length - 4)
                server.sendall(struct.pack("!i", length) + body)
                if struct.unpack("!i", body[:4])[0] not in UNTYPED:
                    break
            while True:
                kind = _read_exact(client, 1)
                (length,) = struct.unpack("!i", _read_exact(client, 4))
                body = _read_exact(client, length - 4)
                message = kind + struct.pack("!i", length) + body
                if kind == b"Q" and body.rstrip(b"\0").strip().upper() == b"COMMIT":
                    when = self._take()
                    if when == "before":
                        self.cuts += 1
                        client.shutdown(socket.SHUT_RDWR)  # the server's side stays open
                        return
                    if when == "after":
                        with replies:
                            state["swallow"] = True
                        server.sendall(message)
                        with replies:  # until the server has answered the COMMIT
                            replies.wait_for(lambda: state["swallow"] == "done", timeout=30)
                        self.cuts += 1
                        client.shutdown(socket.SHUT_RDWR)
                        return
                server.sendall(message)
        except (ConnectionError, OSError):
            pass

    def _server_to_client(self, server, client, state, replies) -> None:
        try:
            while True:
                kind = _read_exact(server, 1)
                (length,) = struct.unpack("!i", _read_exact(server, 4))
                body = _read_exact(server, length - 4)
                with replies:
                    swallowing = state["swallow"] is True
                    if swallowing and kind == b"Z":  # ReadyForQuery: the COMMIT's reply is complete
                        state["swallow"] = "done"
                        replies.notify_all()
                if not swallowing:
                    client.sendall(kind + struct.pack("!i", length) + body)
        except (ConnectionError, OSError):
            pass
