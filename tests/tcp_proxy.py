"""A TCP proxy the fault tests put between Tandem and a server (PostgreSQL, Redis), to
cut the server off and bring it back without touching it.

``cut()`` closes every open connection and stops listening, so a new connection is
refused at once — what a client sees when the server is stopped. ``restore()`` listens
again on the same port. One thread accepts; two threads per connection copy bytes.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0  # chosen by the system on the first start, kept afterwards
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()

    def start(self) -> TcpProxy:
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR: the port again after a cut
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    restore = start

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._open = self._open, set()
        if listener:
            _shut(listener)  # wakes the thread blocked in accept(), which then returns
            listener.close()  # now, so that restore() can listen on the port again
        for sock in sockets:
            _shut(sock)  # wakes its threads blocked in recv(); they close it

    stop = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut while this one was being connected
                    client.close()
                    upstream.close()
                    return
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        # Either side closing ends the connection: neither protocol half-closes.
        with self._lock:
            self._open -= {source, sink}
        for sock in (source, sink):
            _shut(sock)  # wakes the other direction's thread
            sock.close()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # not connected, or already shut or closed
        sock.shutdown(socket.SHUT_RDWR)
