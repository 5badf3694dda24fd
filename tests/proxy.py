"""A real HTTP proxy on 127.0.0.1 for the tests: CONNECT tunnels and absolute-form GETs, as curl uses them.

It forwards only to loopback addresses (127.0.0.0/8): a test can never send a packet elsewhere through it.
Every request line it receives is recorded in ``lines``.
"""

from __future__ import annotations

import socket
import threading


class LoopbackProxy:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name=f"proxy:{self.port}")
        self._thread.start()

    def __enter__(self) -> "LoopbackProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            header, _, rest = head.partition(b"\r\n\r\n")
            lines = header.decode("latin-1").split("\r\n")
            self.lines.append(lines[0])
            method, target, _version = lines[0].split(" ", 2)
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = self._upstream(conn, host.strip("[]"), int(port))
                if upstream is None:
                    return
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
                self._relay(conn, upstream)
            elif target.startswith("http://"):
                hostport, _, path = target[len("http://"):].partition("/")
                host, _, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "80")
                upstream = self._upstream(conn, host, int(port))
                if upstream is None:
                    return
                kept = [h for h in lines[1:] if not h.lower().startswith(("connection:", "proxy-connection:"))]
                request = "\r\n".join([f"{method} /{path} HTTP/1.1", *kept, "Connection: close", "", ""]).encode("latin-1")
                upstream.sendall(request + rest)
                self._relay(conn, upstream)
            else:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except (OSError, ValueError):
            pass
        finally:
            conn.close()

    def _upstream(self, conn: socket.socket, host: str, port: int) -> socket.socket | None:
        if not host.startswith("127."):
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return None
        try:
            return socket.create_connection((host, port), timeout=10)
        except OSError:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return None

    @staticmethod
    def _relay(a: socket.socket, b: socket.socket) -> None:
        def pump(src: socket.socket, dst: socket.socket) -> None:
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        t = threading.Thread(target=pump, args=(b, a), daemon=True)
        t.start()
        pump(a, b)
        t.join(10)
        b.close()
