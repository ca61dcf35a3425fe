"""Our httpx transport (core/fetch/http.py) against stock httpx, in the same run.

Run: .venv/bin/python benchmarks/bench_transport.py [--gets 3000] [--concurrency 50]

Why it exists: core.fetch keeps its own transport over httpcore (an idle
connection pool keyed by host, O(1) reuse) because stock httpx's pool cost a
large share of the checker's CPU. If stock httpx ever matches it, the transport
and the httpcore pin can go. Both clients GET the same small PEM file from one
keep-alive loopback server in this process, with the same concurrency; the
figure is the ratio of GETs per second (our transport / stock), plus the
ratio for core.fetch.fetch() on our transport (what the checker really runs).
Not a CI test: prints figures, exit status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx

from core.fetch import fetch, make_client

BODY = b"-----BEGIN CERTIFICATE-----\n" + b"A" * 1200 + b"\n-----END CERTIFICATE-----\n"


async def serve() -> tuple[asyncio.AbstractServer, int]:
    response = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-pem-file\r\n"
        b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    break
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client left, or the benchmark is over
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    return server, server.sockets[0].getsockname()[1]


async def run_gets(get, urls: list[str], concurrency: int) -> float:
    queue = iter(urls)

    async def worker() -> None:
        for url in queue:
            await get(url)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start


async def main_async(gets: int, concurrency: int, rounds: int) -> None:
    server, port = await serve()
    urls = [f"http://127.0.0.1:{port}/ca-{i}.crt" for i in range(gets)]
    ours_s: list[float] = []
    stock_s: list[float] = []
    fetch_s: list[float] = []
    for _ in range(rounds):  # alternate, so machine noise hits both alike
        async with make_client() as client:

            async def ours(url: str, client: httpx.AsyncClient = client) -> None:
                (await client.get(url)).raise_for_status()

            ours_s.append(await run_gets(ours, urls, concurrency))

            async def via_fetch(url: str, client: httpx.AsyncClient = client) -> None:
                assert (await fetch(url, client=client)).ok

            fetch_s.append(await run_gets(via_fetch, urls, concurrency))
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(trust_env=False, limits=limits) as stock_client:

            async def stock(url: str, client: httpx.AsyncClient = stock_client) -> None:
                (await client.get(url)).raise_for_status()

            stock_s.append(await run_gets(stock, urls, concurrency))
    server.close()
    await server.wait_closed()
    best = {
        name: min(values)
        for name, values in (("ours", ours_s), ("stock", stock_s), ("fetch", fetch_s))
    }
    print(f"{gets} GETs, concurrency {concurrency}, best of {rounds} rounds:")
    for name, label in (
        ("stock", "stock httpx.AsyncClient"),
        ("ours", "our transport"),
        ("fetch", "core.fetch.fetch() on our transport"),
    ):
        print(f"  {label:38s} {gets / best[name]:8.0f} GETs/s")
    print(f"ratio our transport / stock httpx:   {best['stock'] / best['ours']:.2f}x")
    print(f"ratio fetch() / stock httpx GET:     {best['stock'] / best['fetch']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gets", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main_async(args.gets, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
