#!/usr/bin/env python3
"""Play whole rounds against a running server: deal a round, answer its 8 scenarios, and
optionally submit it to the leaderboard with an Idempotency-Key.

Uses only the standard library: asyncio with one keep-alive HTTP/1.1 connection per simulated
player, so that the client costs as little CPU as Python allows. Prints one JSON object with
the counts, the elapsed time and the latency percentiles per request kind.

Examples:
    rounds.py --base http://127.0.0.1:8080 --players 16 --duration 15 --submit
    rounds.py --base http://127.0.0.1:8080 --players 16 --count 5000 --round-ids-out ids.txt
"""

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from urllib.parse import urlsplit

GAME_SLUG = "idempotency-key-clinic"


class HttpError(Exception):
    """A response with an unexpected status."""


class Connection:
    """One keep-alive HTTP/1.1 connection that sends a request and reads its whole response."""

    def __init__(self, host, port):
        self.host = host
        self.port = port
        self.reader = None
        self.writer = None

    async def request(self, method, path, body=None, headers=None):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(payload)}",
        ]
        if body is not None:
            lines.append("Content-Type: application/json")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        try:
            return await self._read_response()
        except (asyncio.IncompleteReadError, ConnectionError):
            # The server closed the keep-alive connection: the next request opens a new one.
            self.close()
            raise

    async def _read_response(self):
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunked()
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    async def _read_chunked(self):
        chunks = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Stats:
    """Counts and latencies (seconds) of every request, by kind."""

    def __init__(self):
        self.latencies = {"round": [], "answer": [], "entry": []}
        self.rounds_finished = 0
        self.entries_created = 0
        self.failures = {}

    def fail(self, reason):
        self.failures[reason] = self.failures.get(reason, 0) + 1


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def timed(stats, kind, connection, method, path, body=None, headers=None, expected=200):
    started = time.perf_counter()
    status, payload = await connection.request(method, path, body, headers)
    stats.latencies[kind].append(time.perf_counter() - started)
    if status != expected:
        raise HttpError(f"{method} {path} returned {status}, expected {expected}: {payload[:200]!r}")
    return json.loads(payload)


async def play_round(connection, stats, submit, round_ids):
    """Deals one round and answers every scenario with a random option. With `submit`, it then
    submits the round to the leaderboard with a new Idempotency-Key."""
    dealt = await timed(stats, "round", connection, "POST", f"/api/games/{GAME_SLUG}/rounds", expected=201)
    round_id = dealt["round_id"]
    for scenario in dealt["scenarios"]:
        option = random.choice(scenario["options"])
        answer = {"scenario_id": scenario["id"], "option_id": option["id"]}
        await timed(stats, "answer", connection, "POST", f"/api/rounds/{round_id}/answers", answer)
    stats.rounds_finished += 1
    if round_ids is not None:
        round_ids.append(round_id)
    if submit:
        entry = {"round_id": round_id, "nickname": f"Bench {random.randrange(10000)}"}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        await timed(stats, "entry", connection, "POST", f"/api/leaderboards/{GAME_SLUG}/entries", entry, key, 201)
        stats.entries_created += 1


async def player(host, port, stats, args, deadline, remaining, round_ids):
    connection = Connection(host, port)
    try:
        while time.monotonic() < deadline:
            if remaining is not None:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            try:
                await play_round(connection, stats, args.submit, round_ids)
            except HttpError as error:
                stats.fail(str(error).split(":")[0])
            except (asyncio.IncompleteReadError, ConnectionError, OSError) as error:
                stats.fail(f"connection error: {type(error).__name__}")
                await asyncio.sleep(0.01)
    finally:
        connection.close()


async def main(args):
    base = urlsplit(args.base)
    if base.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"error: --base must be a loopback address, got {args.base}")
    stats = Stats()
    remaining = [args.count] if args.count is not None else None
    round_ids = [] if args.round_ids_out else None
    started = time.monotonic()
    cpu_started = time.process_time()
    deadline = started + args.duration
    await asyncio.gather(
        *(player(base.hostname, base.port, stats, args, deadline, remaining, round_ids) for _ in range(args.players))
    )
    elapsed = time.monotonic() - started
    client_cpu = time.process_time() - cpu_started
    if round_ids is not None:
        with open(args.round_ids_out, "w", encoding="utf-8") as output:
            output.write("\n".join(round_ids) + "\n")

    report = {
        "players": args.players,
        "elapsed_s": round(elapsed, 3),
        "rounds_finished": stats.rounds_finished,
        "entries_created": stats.entries_created,
        "rounds_per_s": round(stats.rounds_finished / elapsed, 1),
        "entries_per_s": round(stats.entries_created / elapsed, 1),
        "requests": sum(len(values) for values in stats.latencies.values()),
        "client_cpu_s": round(client_cpu, 2),
        "failures": stats.failures,
    }
    for kind, values in stats.latencies.items():
        if values:
            report[f"{kind}_p50_ms"] = round(percentile(values, 0.50) * 1000, 2)
            report[f"{kind}_p99_ms"] = round(percentile(values, 0.99) * 1000, 2)
    print(json.dumps(report))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="server URL on loopback, e.g. http://127.0.0.1:8080")
    parser.add_argument("--players", type=int, default=16, help="concurrent players, one connection each")
    parser.add_argument("--duration", type=float, default=15, help="stop starting rounds after this many seconds")
    parser.add_argument("--count", type=int, help="stop after starting this many rounds in total")
    parser.add_argument("--submit", action="store_true", help="submit every finished round to the leaderboard")
    parser.add_argument("--round-ids-out", help="file to write the finished rounds' ids to, one per line")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
