"""Per-client limits for public deployments: a request rate and a number of requests at once.

Both are off by default (local use). A client is its IP address as the server sees
it: behind a reverse proxy, run uvicorn with `--proxy-headers --forwarded-allow-ips=<proxy>`
so that the address is the client's and not the proxy's (see "Deploying publicly").

- Rate: a token bucket per client holding at most `per_minute` tokens, refilled at
  `per_minute` a minute; each request takes one. An empty bucket means 429 with
  `Retry-After` (seconds until a token is back).
- Concurrency: at most `max_concurrent` requests of one client in progress at once
  (a streamed answer counts until its last byte); one more means 429, `Retry-After: 1`.

The table of clients is bounded: idle clients (full bucket, nothing in progress)
are forgotten first when it grows past `max_clients`.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class ClientState:
    tokens: float
    updated: float
    in_flight: int = 0


@dataclass(frozen=True)
class Refusal:
    reason: str  # "rate-limit" or "concurrency"
    message: str
    retry_after: int


class ClientLimiter:
    def __init__(
        self,
        per_minute: int = 0,
        max_concurrent: int = 0,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = max(0, per_minute)
        self.max_concurrent = max(0, max_concurrent)
        self.max_clients = max_clients
        self.clock = clock
        self.clients: OrderedDict[str, ClientState] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return bool(self.per_minute or self.max_concurrent)

    def _state(self, client: str, now: float) -> ClientState:
        state = self.clients.get(client)
        if state is None:
            state = ClientState(tokens=float(self.per_minute), updated=now)
            self.clients[client] = state
            self._prune(now, keep=client)
        else:
            self.clients.move_to_end(client)
            state.tokens = self._tokens(state, now)
            state.updated = now
        return state

    def _tokens(self, state: ClientState, now: float) -> float:
        if not self.per_minute:
            return 0.0
        return min(float(self.per_minute), state.tokens + (now - state.updated) * self.per_minute / 60.0)

    def _prune(self, now: float, keep: str) -> None:
        """Forget clients beyond `max_clients`: idle ones first, then the least recent not in progress."""
        for forget_idle_only in (True, False):
            for name, state in list(self.clients.items()):
                if len(self.clients) <= self.max_clients:
                    return
                if name == keep or state.in_flight:
                    continue
                if forget_idle_only and self._tokens(state, now) < self.per_minute:
                    continue
                del self.clients[name]

    def acquire(self, client: str) -> Refusal | None:
        """Take a token and a slot for one request of `client`, or say why not (nothing is taken then)."""
        if not self.enabled:
            return None
        now = self.clock()
        state = self._state(client, now)
        if self.max_concurrent and state.in_flight >= self.max_concurrent:
            return Refusal(
                "concurrency",
                f"Too many requests at once: at most {self.max_concurrent} from one client may run together. "
                "Wait for one to finish.",
                1,
            )
        if self.per_minute:
            if state.tokens < 1.0:
                wait = math.ceil((1.0 - state.tokens) * 60.0 / self.per_minute)
                return Refusal(
                    "rate-limit",
                    f"Too many requests: at most {self.per_minute} a minute from one client. Retry in {wait} s.",
                    max(1, wait),
                )
            state.tokens -= 1.0
        state.in_flight += 1
        return None

    def release(self, client: str) -> None:
        state = self.clients.get(client)
        if state is not None and state.in_flight > 0:
            state.in_flight -= 1
