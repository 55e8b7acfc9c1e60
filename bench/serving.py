"""Sections 3, 4 and 5b: GraphQL latency and throughput over real HTTP against the bare floor, and
the server's peak RSS under that load. The hub, the floor and a twin of the hub with the compiled
path switched off (plain strawberry execution, for the speed-up) each run in their own process
(uvicorn on loopback via BackgroundServer); this process only sends requests."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench import workloads
from bench.config import BenchConfig
from bench.execution import execution_times
from bench.hub_access import register, token
from bench.loadgen import LoadResult, run_load
from bench.log import log
from bench.profile_graphql import profile_query
from bench.results import Figure, Report, Target
from bench.server import ServerProcess
from bench.server_clock import server_seconds
from bench.stats import median, percentile
from bench.workloads import Target as Endpoint

MIB = 2**20
FLAT_TARGET = Target(2.0, "lower")
NESTED_TARGET = Target(3.0, "lower")
THROUGHPUT_TARGET = Target(0.5, "higher")
SPEEDUP_TARGET = Target(10.0, "higher")
COMPILER_SETTING = "SATCHEL_GRAPHQL_COMPILER"  # hub.config.Settings.graphql_compiler
STUDENT_PAGE = 1000
FLAT_ROWS = 10_000
NESTED_CLASSES = 100
LOAD_PAGE = 100

Call = Callable[[httpx.AsyncClient, Endpoint], Awaitable[int]]


@dataclass
class _Samples:
    seconds: list[float]  # a sample's latency, as the client saw it
    rows: int
    server_seconds: list[float]  # a sample's time inside the server (bench.server_clock)
    requests: int  # a sample's requests (the flat walk makes several)

    @property
    def median_ms(self) -> float:
        return median(self.seconds) * 1000

    @property
    def server_median_ms(self) -> float:
        return median(self.server_seconds) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.seconds, 99) * 1000


def run(config: BenchConfig, db: Path, report: Report) -> None:
    credentials = register(db)
    log("starting the hub, its resolvers-only twin and the floor servers")
    hub_server, floor_server = ServerProcess("hub", db).launch(), ServerProcess("floor", db).launch()
    with _compiler_off():
        resolvers_server = ServerProcess("hub", db).launch()
    with hub_server as hub, floor_server as floor, resolvers_server as resolvers:
        log("servers up")
        bearer = token(hub.url, credentials)
        urls = {"hub": hub.url, "floor": floor.url, "resolvers": resolvers.url}
        asyncio.run(_measure(config, urls, Endpoint("hub", bearer), report, db))
    if config.wants("memory") and config.wants("throughput"):
        report.add(
            Figure(
                "memory.server.peak_rss_mib",
                "Peak RSS of the hub server under load",
                "MiB",
                hub.max_rss_bytes / MIB,
                floor.max_rss_bytes / MIB,
                "peak RSS of the bare floor server under the same load",
                notes="no target set; reported for tracking",
            )
        )


@contextmanager
def _compiler_off() -> Iterator[None]:
    """A server launched inside runs every query through the resolvers (plain strawberry)."""
    before = os.environ.get(COMPILER_SETTING)
    os.environ[COMPILER_SETTING] = "false"
    try:
        yield
    finally:
        if before is None:
            del os.environ[COMPILER_SETTING]
        else:
            os.environ[COMPILER_SETTING] = before


async def _measure(
    config: BenchConfig, urls: dict[str, str], hub: Endpoint, report: Report, db: Path
) -> None:
    hub_url, floor_url = urls["hub"], urls["floor"]
    async with (
        httpx.AsyncClient(base_url=hub_url, timeout=120) as hc,
        httpx.AsyncClient(base_url=floor_url, timeout=120) as fc,
        httpx.AsyncClient(base_url=urls["resolvers"], timeout=300) as rc,
    ):
        clients = {"hub": hc, "orjson": fc, "sqljson": fc, "resolvers": rc}
        endpoints = {
            "hub": hub,
            "orjson": Endpoint("orjson"),
            "sqljson": Endpoint("sqljson"),
            "resolvers": hub,
        }
        if config.wants("graphql"):
            await _latency(config, clients, endpoints, report, db)
        if config.wants("throughput"):
            cursors = {k: await workloads.school_cursors(clients[k], endpoints[k]) for k in ("hub", "orjson")}
            results = {}
            for kind in ("hub", "orjson"):
                log(f"throughput: {kind}")
                results[kind] = await run_load(
                    hub_url if kind == "hub" else floor_url,
                    _load_request(endpoints[kind], cursors[kind]),
                    clients=config.clients,
                    duration=config.duration,
                )
            report.add(_throughput_figure(config, results["hub"], results["orjson"]))


def _load_request(
    endpoint: Endpoint, cursors: list[str | None]
) -> Callable[[httpx.AsyncClient, int], Awaitable[int]]:
    async def request(client: httpx.AsyncClient, n: int) -> int:
        return await workloads.students_page(client, endpoint, 1, LOAD_PAGE, cursors[n % len(cursors)])

    return request


async def _schools_for(client: httpx.AsyncClient, floor: Endpoint, students: int) -> int:
    """How many schools `schools(first: k) { students(first: 1000) }` needs to reach `students` rows."""
    for k in range(1, 50):
        if await workloads.students_page(client, floor, k, STUDENT_PAGE) >= students:
            return k
    return 50


async def _latency(
    config: BenchConfig,
    clients: dict[str, httpx.AsyncClient],
    endpoints: dict[str, Endpoint],
    report: Report,
    db: Path,
) -> None:
    schools = await _schools_for(clients["orjson"], endpoints["orjson"], STUDENT_PAGE)
    cases: list[tuple[str, str, Call, tuple[str, ...], int, Target, str]] = [
        (
            "graphql.students_page",
            f"{STUDENT_PAGE:,}-student page, 11 scalar fields (schools(first: {schools}) x students(first: {STUDENT_PAGE}))",
            lambda c, e: workloads.students_page(c, e, schools, STUDENT_PAGE),
            ("hub", "sqljson", "orjson", "resolvers"),
            config.latency_repetitions,
            FLAT_TARGET,
            workloads.STUDENTS,
        ),
        (
            "graphql.flat_10k",
            f"{FLAT_ROWS:,}-row flat list (enrollments, 6 fields, paged at the max page of {workloads.MAX_PAGE:,})",
            lambda c, e: workloads.enrollments_walk(c, e, FLAT_ROWS),
            ("hub", "sqljson", "orjson", "resolvers"),
            max(3, config.latency_repetitions // 4),
            FLAT_TARGET,
            workloads.ENROLLMENTS,
        ),
        (
            "graphql.nested",
            f"Nested: one school's classes(first: {NESTED_CLASSES}) → enrollments → person",
            lambda c, e: workloads.nested(c, e, NESTED_CLASSES),
            ("hub", "orjson", "resolvers"),
            config.latency_repetitions,
            NESTED_TARGET,
            workloads.NESTED,
        ),
    ]
    for key, label, call, kinds, reps, target, query in cases:
        log(f"latency: {key}")
        samples = await _sample(call, {k: (clients[k], endpoints[k]) for k in kinds}, reps)
        floor_kind = kinds[1]
        hub, floor = samples["hub"], samples[floor_kind]
        floor_label = (
            "SQL-built JSON (json_group_array/json_object), bare ASGI"
            if floor_kind == "sqljson"
            else "hand-written SQL + orjson, bare ASGI"
        )
        extra = {
            "rows": hub.rows,
            "floor_rows": floor.rows,
            "repetitions": reps,
            "hub_p99_ms": hub.p99_ms,
            "floor_p99_ms": floor.p99_ms,
            # Of the medians above, the time inside each server; the rest is the client's and
            # loopback's, alike for every server.
            "hub_server_ms": hub.server_median_ms,
            "floor_server_ms": floor.server_median_ms,
            **(
                {"orjson_floor_median_ms": samples["orjson"].median_ms}
                if "orjson" in samples and floor_kind != "orjson"
                else {}
            ),
        }
        if hub.rows != floor.rows:
            report.notes.append(f"{key}: the hub returned {hub.rows} rows, the floor {floor.rows}")
        figure = Figure(
            key + ".median_ms",
            label + " — median",
            "ms",
            hub.median_ms,
            floor.median_ms,
            floor_label,
            target,
            extra=extra,
        )
        report.add(figure)
        report.add(
            Figure(
                key + ".p99_ms",
                label + " — p99",
                "ms",
                hub.p99_ms,
                floor.p99_ms,
                floor_label,
                notes="p99 reported; the target is on the median",
            )
        )
        resolvers = samples["resolvers"]
        if resolvers.rows != hub.rows:
            report.notes.append(
                f"{key}: the resolvers returned {resolvers.rows} rows, the compiled path {hub.rows}"
            )
        speedup = Figure(
            key + ".speedup",
            label + " — compiled path vs plain strawberry execution (median)",
            "ms",
            resolvers.median_ms,
            hub.median_ms,
            "the compiled path's median (ratio = how many times faster it is)",
            SPEEDUP_TARGET,
            extra={
                "resolvers_p99_ms": resolvers.p99_ms,
                # No path can beat the floor: over HTTP the speed-up is at most this.
                "http_ceiling": resolvers.median_ms / floor.median_ms,
                # The same inside the servers: without the client's and loopback's share.
                "resolvers_server_ms": resolvers.server_median_ms,
                "hub_server_ms": hub.server_median_ms,
                "server_speedup": resolvers.server_median_ms / hub.server_median_ms,
            },
            notes="over HTTP; at most plain strawberry ÷ the floor (http_ceiling below)",
        )
        report.add(speedup)
        # In a worker thread, as the server runs GraphQL (graphql_workers), not on this event loop:
        # with a running loop in its thread plain strawberry ran ~40% faster (bench.execution).
        figure_args = (key, label, db, query, _variables(key, schools), reps)
        execution = await asyncio.to_thread(_execution_figure, *figure_args)
        report.add(execution)
        missed = [f.key for f in (figure, speedup, execution) if f.met is False]
        if missed and config.profile:
            log(f"profiling {key}")
            # In a worker thread too, as the execution figure and the server run it.
            profile = await asyncio.to_thread(profile_query, db, query, _variables(key, schools))
            split = _time_split(samples["hub"], resolvers, execution)
            report.profiles.update(dict.fromkeys(missed, split + "\n\n" + profile))


def _time_split(hub: _Samples, resolvers: _Samples, execution: Figure) -> str:
    """Where a request's time goes, for both paths: what the client saw, what was spent inside the
    server, the difference (the client and loopback), and execute() alone, in-process. Per
    request: a sample of the flat walk is several."""
    c, r = hub.requests, resolvers.requests
    rows = [
        ("seen by the client, over HTTP", hub.median_ms / c, resolvers.median_ms / r),
        ("inside the server (bench.server_clock)", hub.server_median_ms / c, resolvers.server_median_ms / r),
        (
            "outside the server (client, loopback)",
            (hub.median_ms - hub.server_median_ms) / c,
            (resolvers.median_ms - resolvers.server_median_ms) / r,
        ),
        ("execute() + orjson in-process (thread CPU)", execution.floor, execution.value),
    ]
    head = "Where a request's time goes (medians, ms)"
    lines = [f"{head:44} {'compiled':>10} {'strawberry':>11} {'ratio':>7}"]
    lines += [f"{label:44} {c:10.2f} {r:11.2f} {r / c:7.2f}" for label, c, r in rows]
    return "\n".join(lines)


def _execution_figure(
    key: str, label: str, db: Path, query: str, variables: dict[str, object], reps: int
) -> Figure:
    """The speed-up of execution alone (bench.execution): what the compiler itself buys."""
    times = execution_times(db, query, variables, max(reps, 10))
    if not times.compiled_path:
        raise RuntimeError(f"{key}: the compiled path did not answer the query")
    one_page = " (one page of the walk)" if key == "graphql.flat_10k" else ""
    return Figure(
        key + ".execution_speedup",
        label
        + f" — compiled path vs plain strawberry, execute() in-process{one_page} (thread CPU time, median)",
        "ms",
        times.resolvers_ms,
        times.compiled_ms,
        "the compiled path's execute() + orjson (ratio = how many times faster it is)",
        SPEEDUP_TARGET,
    )


def _variables(key: str, schools: int) -> dict[str, object]:
    if key == "graphql.students_page":
        return {"schools": schools, "first": STUDENT_PAGE}
    if key == "graphql.flat_10k":
        return {"schoolAfter": None, "after": None, "first": workloads.MAX_PAGE}
    return {"classes": NESTED_CLASSES}


async def _sample(
    call: Call, targets: dict[str, tuple[httpx.AsyncClient, Endpoint]], reps: int
) -> dict[str, _Samples]:
    """Interleaved (hub, floor, hub, floor …) so a noisy neighbour slows both alike."""
    rows = {k: await call(client, endpoint) for k, (client, endpoint) in targets.items()}  # warm-up
    servers = {id(client): client for client, _ in targets.values()}
    for client in servers.values():
        await server_seconds(client)  # the warm-up's times, dropped
    seconds: dict[str, list[float]] = {k: [] for k in targets}
    for _ in range(reps):
        for k, (client, endpoint) in targets.items():
            started = time.perf_counter()
            await call(client, endpoint)
            seconds[k].append(time.perf_counter() - started)
    clocks = {key: await server_seconds(client) for key, client in servers.items()}
    return {
        k: _Samples(seconds[k], rows[k], *_per_sample(clocks[id(client)], endpoint, reps))
        for k, (client, endpoint) in targets.items()
    }


def _per_sample(clock: dict[str, list[float]], endpoint: Endpoint, reps: int) -> tuple[list[float], int]:
    """A server's times for `endpoint`'s requests, summed per sample (a sample of the flat walk
    is several requests, the same number each time). The hub's and the resolvers' servers
    answer /graphql alone; the floor's, each serialiser at its own paths."""
    times = [
        t
        for path, seconds in clock.items()
        if (path == "/graphql" if endpoint.kind == "hub" else path.endswith(f"/{endpoint.kind}"))
        for t in seconds
    ]
    per = len(times) // reps
    if not times or per * reps != len(times):
        raise RuntimeError(f"{endpoint.kind}: {len(times)} requests timed for {reps} samples")
    return [sum(times[n * per : (n + 1) * per]) for n in range(reps)], per


def _throughput_figure(config: BenchConfig, hub: LoadResult, floor: LoadResult) -> Figure:
    errors = hub.errors + floor.errors
    return Figure(
        "throughput.rps",
        f"Throughput: {config.clients} clients x {config.duration:g} s, one school's students(first: {LOAD_PAGE})",
        "req/s",
        hub.rps,
        floor.rps,
        "the same page from the bare ASGI endpoint (hand-written SQL + orjson)",
        THROUGHPUT_TARGET,
        extra={
            "requests": hub.requests,
            "errors": hub.errors,
            "p50_ms": hub.p(50),
            "p99_ms": hub.p(99),
            "floor_requests": floor.requests,
            "floor_errors": floor.errors,
            "floor_p50_ms": floor.p(50),
            "floor_p99_ms": floor.p(99),
            "first_error": hub.first_error or floor.first_error,
        },
        veto=f"{errors} errors (target: zero)" if errors else "",
    )
