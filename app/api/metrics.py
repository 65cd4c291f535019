"""GET /metrics: the server's counters in the Prometheus text format (version 0.0.4).

- migcoop_http_requests_total{method, route, status}: requests answered;
- migcoop_http_request_duration_seconds{route}: a histogram of response times;
- migcoop_http_requests_in_progress: requests being served;
- migcoop_query_duration_seconds: a histogram of time spent in the query engine;
- migcoop_query_timeouts_total: queries stopped at the timeout;
- migcoop_query_memory_stops_total: queries stopped at the memory cap;
- migcoop_rejections_total{reason}: requests refused, by why (rate-limit,
  concurrency, auth, too-large, shapes, remote);
- migcoop_updates_total: updates applied.

`route` is the route's path template (`/sparql`, `/doc/{path}`, ...), never the raw
path, so the number of series stays bounded. Counters live in the process: with
`--workers N` each server process counts its own requests (scrape each, or sum).
Written without a client library: the format is a few lines of text.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
REJECTION_REASONS = ("rate-limit", "concurrency", "auth", "too-large", "shapes", "remote")


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def labels_text(labels: tuple[tuple[str, str], ...]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{escape_label(value)}"' for name, value in labels) + "}"


def number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Histogram:
    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)  # the last one is +Inf
        self.total = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1

    def lines(self, name: str, labels: tuple[tuple[str, str], ...]) -> list[str]:
        out, cumulative = [], 0
        for bound, count in zip((*BUCKETS, float("inf")), self.counts, strict=True):
            cumulative += count
            out.append(f"{name}_bucket{labels_text((*labels, ('le', number(bound))))} {cumulative}")
        out.append(f"{name}_sum{labels_text(labels)} {number(self.total)}")
        out.append(f"{name}_count{labels_text(labels)} {self.count}")
        return out


class Metrics:
    """The process's counters; updated by the middleware, read by GET /metrics."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.durations: dict[str, Histogram] = defaultdict(Histogram)
        self.queries = Histogram()
        self.rejections: dict[str, int] = dict.fromkeys(REJECTION_REASONS, 0)
        self.in_progress = 0
        self.updates = 0

    def started(self) -> None:
        with self.lock:
            self.in_progress += 1

    def finished(
        self, method: str, route: str, status: int, seconds: float, query_seconds: float | None, rejection: str | None
    ) -> None:
        with self.lock:
            self.in_progress -= 1
            self.requests[(method, route, str(status))] += 1
            self.durations[route].observe(seconds)
            if query_seconds is not None:
                self.queries.observe(query_seconds)
            if rejection:
                self.rejections[rejection] = self.rejections.get(rejection, 0) + 1

    def render(self, timeouts: int = 0, memory_stops: int = 0, updates: int = 0) -> str:
        with self.lock:
            lines = [
                "# HELP migcoop_http_requests_total HTTP requests answered, by method, route and status.",
                "# TYPE migcoop_http_requests_total counter",
            ]
            for (method, route, status), count in sorted(self.requests.items()):
                labels = (("method", method), ("route", route), ("status", status))
                lines.append(f"migcoop_http_requests_total{labels_text(labels)} {count}")
            lines += [
                "# HELP migcoop_http_request_duration_seconds Time to answer a request, by route.",
                "# TYPE migcoop_http_request_duration_seconds histogram",
            ]
            for route, histogram in sorted(self.durations.items()):
                lines += histogram.lines("migcoop_http_request_duration_seconds", (("route", route),))
            lines += [
                "# HELP migcoop_http_requests_in_progress Requests being served now.",
                "# TYPE migcoop_http_requests_in_progress gauge",
                f"migcoop_http_requests_in_progress {self.in_progress}",
                "# HELP migcoop_query_duration_seconds Time a request spent in the query engine.",
                "# TYPE migcoop_query_duration_seconds histogram",
                *self.queries.lines("migcoop_query_duration_seconds", ()),
                "# HELP migcoop_query_timeouts_total Queries stopped at the timeout.",
                "# TYPE migcoop_query_timeouts_total counter",
                f"migcoop_query_timeouts_total {timeouts}",
                "# HELP migcoop_query_memory_stops_total Queries stopped at the memory cap of a query worker.",
                "# TYPE migcoop_query_memory_stops_total counter",
                f"migcoop_query_memory_stops_total {memory_stops}",
                "# HELP migcoop_rejections_total Requests refused, by reason.",
                "# TYPE migcoop_rejections_total counter",
            ]
            for reason, count in sorted(self.rejections.items()):
                lines.append(f"migcoop_rejections_total{labels_text((('reason', reason),))} {count}")
            lines += [
                "# HELP migcoop_updates_total SPARQL updates applied.",
                "# TYPE migcoop_updates_total counter",
                f"migcoop_updates_total {updates}",
            ]
        return "\n".join(lines) + "\n"


def metrics_of(request: Request) -> Metrics:
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is None:
        metrics = request.app.state.metrics = Metrics()
    return metrics


router = APIRouter(tags=["service"])


@router.get(
    "/metrics",
    summary="Request counts, latencies, timeouts and rejections in the Prometheus text format",
    response_class=PlainTextResponse,
    responses={200: {"content": {CONTENT_TYPE: {}}}, 404: {"content": {"text/plain": {}}}},
)
def metrics(request: Request) -> Response:
    service = getattr(request.app.state, "service", None)
    if service is not None and not service.settings.metrics_enabled:
        return PlainTextResponse("Not Found\n", status_code=404)
    engine = getattr(service, "engine", None)
    body = metrics_of(request).render(
        timeouts=getattr(engine, "timeouts", 0),
        memory_stops=getattr(engine, "memory_stops", 0),
        updates=getattr(service, "updates_applied", 0),
    )
    return Response(body, media_type=CONTENT_TYPE)
