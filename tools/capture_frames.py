#!/usr/bin/env python3
"""Records the Kafka request frames a client sends, by standing between it and a broker.

A TCP proxy (stdlib only): it listens on 127.0.0.1:--listen, forwards every connection to
--broker, and writes each client->broker request frame to --out as
<client>-<ApiName>-v<version>-<n>.bin. A file holds one frame WITHOUT its 4-byte size prefix,
i.e. the request header followed by the body, exactly what the broker's framing hands to the
decoder (and what the fuzz target takes as one input). Responses are forwarded untouched and
not recorded.

Nothing in the stream is rewritten. So that clients keep going through the proxy after their
first Metadata answer, start the broker with `--advertised-kafka-addr 127.0.0.1:<listen>`.

To keep fixture sets small, a frame identical (byte for byte) to one already written is
dropped, and at most --cap frames are kept per client, API and version; files already in --out
count, so running several sessions into one directory accumulates without duplicates.

  tools/capture_frames.py --listen 19092 --broker 127.0.0.1:9092 --client kcat --out DIR
  (runs until SIGINT/SIGTERM; prints one line per written frame)
"""
import argparse
import hashlib
import pathlib
import re
import signal
import socket
import struct
import sys
import threading

# Names of the API keys clients may send; anything else is recorded as Api<key>.
API_NAMES = {
    0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit",
    9: "OffsetFetch", 10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat",
    13: "LeaveGroup", 14: "SyncGroup", 15: "DescribeGroups", 16: "ListGroups",
    17: "SaslHandshake", 18: "ApiVersions", 19: "CreateTopics", 20: "DeleteTopics",
    21: "DeleteRecords", 22: "InitProducerId", 32: "DescribeConfigs", 33: "AlterConfigs",
    35: "DescribeLogDirs", 36: "SaslAuthenticate", 37: "CreatePartitions", 42: "DeleteGroups", 47: "OffsetDelete",
    44: "IncrementalAlterConfigs", 60: "DescribeCluster",
}
NAME_RE = re.compile(
    r"^(?P<client>[A-Za-z0-9_.]+)-(?P<api>[A-Za-z0-9]+)-v(?P<ver>\d+)-(?P<n>\d+)\.bin$")


class Recorder:
    """Writes frames to disk, deduplicating by content and capping per (client, api, version)."""

    def __init__(self, out, client, cap):
        self.out, self.client, self.cap = out, client, cap
        self.lock = threading.Lock()
        self.seen = set()
        self.counts = {}
        self.next_n = {}
        out.mkdir(parents=True, exist_ok=True)
        for path in out.glob("*.bin"):
            self.seen.add(hashlib.sha256(path.read_bytes()).digest())
            m = NAME_RE.match(path.name)
            if m:
                key = (m["client"], m["api"], int(m["ver"]))
                self.counts[key] = self.counts.get(key, 0) + 1
                self.next_n[key] = max(self.next_n.get(key, 0), int(m["n"]) + 1)

    def record(self, frame):
        if len(frame) < 4:
            return
        api_key, version = struct.unpack(">hh", frame[:4])
        api = API_NAMES.get(api_key, f"Api{api_key}")
        key = (self.client, api, version)
        digest = hashlib.sha256(frame).digest()
        with self.lock:
            if digest in self.seen or self.counts.get(key, 0) >= self.cap:
                return
            self.seen.add(digest)
            self.counts[key] = self.counts.get(key, 0) + 1
            n = self.next_n.get(key, 0)
            self.next_n[key] = n + 1
            path = self.out / f"{self.client}-{api}-v{version}-{n}.bin"
            path.write_bytes(frame)
        print(f"capture_frames: {path.name} ({len(frame)} bytes)", flush=True)


def pump_requests(src, dst, recorder):
    """Client -> broker: forwards bytes as they come and records every complete frame."""
    buf = bytearray()
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
            buf += data
            while len(buf) >= 4:
                (size,) = struct.unpack(">i", buf[:4])
                if size < 0 or len(buf) < 4 + size:
                    break
                recorder.record(bytes(buf[4:4 + size]))
                del buf[:4 + size]
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def pump_responses(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(listen_port, broker, recorder):
    host, _, port = broker.rpartition(":")
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen(64)
    print(f"capture_frames: 127.0.0.1:{listen_port} -> {broker}, writing to {recorder.out}",
          flush=True)
    while True:
        client, _ = server.accept()
        upstream = socket.create_connection((host, int(port)))
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=pump_requests, args=(client, upstream, recorder),
                         daemon=True).start()
        threading.Thread(target=pump_responses, args=(upstream, client), daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", type=int, required=True, help="port to listen on (127.0.0.1)")
    ap.add_argument("--broker", required=True, help="HOST:PORT of the real broker")
    ap.add_argument("--client", required=True,
                    help="label for the file names, e.g. kcat, librdkafka, kafkajs")
    ap.add_argument("--out", required=True, type=pathlib.Path, help="directory for the frames")
    ap.add_argument("--cap", type=int, default=3,
                    help="most frames kept per client, API and version (default 3)")
    args = ap.parse_args()
    if not re.fullmatch(r"[A-Za-z0-9_.]+", args.client):
        ap.error("--client: letters, digits, '_' and '.' only")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        serve(args.listen, args.broker, Recorder(args.out, args.client, args.cap))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
