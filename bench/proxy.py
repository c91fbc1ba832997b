"""A round-robin TCP proxy on loopback: the load balancer in front of several web instances.

Each accepted connection goes to the next backend in turn and bytes are copied both ways until
either side closes; it runs in its own thread with its own event loop, beside the benchmark.
"""

import asyncio
import itertools
import threading
from collections import Counter

from bench.instance import free_port


class RoundRobinProxy:
    def __init__(self, backends: list[tuple[str, int]]):
        self.backends = itertools.cycle(backends)
        self.port = free_port()
        self.connections: Counter = Counter()  # per backend port
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "RoundRobinProxy":
        self.thread.start()
        self.ready.wait(10)
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", self.port))
        self.ready.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()

    async def _serve(self, client_reader, client_writer) -> None:
        host, port = next(self.backends)
        self.connections[port] += 1
        try:
            backend_reader, backend_writer = await asyncio.open_connection(host, port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            _copy(client_reader, backend_writer), _copy(backend_reader, client_writer), return_exceptions=True
        )


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
