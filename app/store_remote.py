"""The remote store backend: the graphs in any SPARQL 1.1 server (Oxigraph server, Fuseki,
GraphDB, Virtuoso), reached over HTTP. Chosen with MIGCOOP_STORE_BACKEND=remote.

- Queries go to the server's query URL by the SPARQL 1.1 Protocol (POST, form-encoded),
  with the dataset of the request as `default-graph-uri`/`named-graph-uri`, and our
  default prefixes and base IRI as a prologue in front of the text.
- Whole graphs move by the Graph Store Protocol: `migcoop build` PUTs every graph
  (`?graph=IRI`, and `?default`), an update GETs the asserted graphs.
- An update writes the graphs it changed back in ONE SPARQL Update request
  (`DROP SILENT GRAPH <g> ; INSERT DATA { GRAPH <g> { ... } } ; ...`), which the server
  applies as one transaction: readers see the graph before or after, never between.

The service reads query answers the way the embedded query workers do: it parses them
(SPARQL JSON results, N-Triples) and writes them again with app/results.py, so that
both backends answer with the same bytes, the same row cap and the same errors. The
query text is parsed here first (nothing is evaluated), so that a malformed query gets
the same 400 with either backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef

from app.core.config import Settings
from app.core.logging import note_query_time
from app.namespaces import GRAPH_INFERRED, ID
from app.query_engine import QueryAnswer, QueryEngine, QueryJob
from app.query_worker import answer, error_message
from app.sparql_protocol import QUERY_FORMS, TOKEN, ProtocolError, short_syntax_error
from app.store import GRAPH_ASSERTED, BuildGraphs, sorted_ntriples

log = logging.getLogger("migcoop.store")

QUERY_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
GRAPH_ACCEPT = "application/n-triples"
INTERNAL_TIMEOUT = 60.0  # seconds: statistics, pages, reading graphs
WRITE_TIMEOUT = 600.0  # seconds: loading a build, writing an update
PING_SECONDS = 2.0  # how often readiness is checked, and how long a check may take
GRAPH_NAMES_SECONDS = 10.0  # how long the list of named graphs is reused
ERROR_TEXT_LIMIT = 300
# Stands in for ASK while the query is only parsed (see `parse_only_form`).
ASK_PROBE = "SELECT (1 AS ?migcoop_ask_probe_9f2c)"


class RemoteStoreError(ProtocolError):
    """The store server failed or could not be reached; `status` is what our client gets."""


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ERROR_TEXT_LIMIT else text[: ERROR_TEXT_LIMIT - 1] + "…"


def unreachable(url: str, error: Exception) -> RemoteStoreError:
    """A 503 that does not show clients where the store is (the log does, without any user info)."""
    shown = httpx.URL(url).copy_with(username=None, password=None)
    log.warning("the store server at %s cannot be reached: %s", shown, short(str(error)) or type(error).__name__)
    return RemoteStoreError(503, "The store server cannot be reached right now. Retry later.")


def http_failure(response: httpx.Response, body: bytes, what: str) -> RemoteStoreError:
    reason = short(body.decode("utf-8", "replace")) or response.reason_phrase
    if response.status_code == 400:
        return RemoteStoreError(400, f"The store server refused {what}: {reason}")
    return RemoteStoreError(502, f"The store server could not answer {what} (HTTP {response.status_code}): {reason}")


def parse_only_form(text: str) -> str:
    """The query with ASK replaced by an equivalent SELECT head, for a parse that evaluates nothing.

    pyoxigraph evaluates SELECT, CONSTRUCT and DESCRIBE lazily, when their results are read,
    but ASK at once: parsing an ASK on an empty store could still run a SERVICE or a large
    cross product of VALUES. `ASK DatasetClause* WhereClause SolutionModifier` and
    `SELECT (...) DatasetClause* WhereClause SolutionModifier` have the same shape.
    """
    for match in TOKEN.finditer(text):
        if match.lastgroup == "word" and match.group().upper() in QUERY_FORMS and text[match.end() :][:1] != ":":
            if match.group().upper() != "ASK":
                return text
            return text[: match.start()] + ASK_PROBE + text[match.end() :]
    return text


def prologue(base_iri: str | None, prefixes: dict[str, str] | None) -> str:
    """Our base IRI and default prefixes as a SPARQL prologue; the query's own declarations come after and win."""
    lines = [f"BASE <{base_iri}>"] if base_iri else []
    lines += [f"PREFIX {prefix}: <{namespace}>" for prefix, namespace in (prefixes or {}).items()]
    return "".join(line + "\n" for line in lines)


def sparql_term(term: Any) -> str | None:
    """A pattern term as SPARQL text; None for a blank node, which a query cannot name."""
    if isinstance(term, ox.BlankNode):
        return None
    return str(term)


class DeadlineReader(io.RawIOBase):
    """A response body as a file for pyoxigraph's parsers, that stops at the query's deadline."""

    def __init__(self, chunks: Iterator[bytes], deadline: float | None) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:  # type: ignore[override]
        while not self._buffer:
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise TimeoutError("query deadline")
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
            except httpx.TimeoutException as error:
                raise TimeoutError("query deadline") from error
            except httpx.HTTPError as error:
                raise RemoteStoreError(502, f"The store server's answer broke off: {short(str(error))}") from error
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


class RemoteStore:
    """The store as a SPARQL 1.1 server. Thread-safe: one HTTP client, no other state but caches.

    Besides the `GraphStore` operations it answers `query`, `quads_for_pattern` and
    `named_graphs` like a pyoxigraph store (it is its own `raw`), so the pages and the
    statistics read it as they read the embedded store. A blank node cannot be named in
    a query sent to a server, so `quads_for_pattern` finds nothing for one.
    """

    def __init__(self, query_url: str, update_url: str, store_url: str, auth: tuple[str, str] | None = None) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self.store_url = store_url
        self.path = None
        self._client = httpx.Client(
            auth=auth, timeout=httpx.Timeout(INTERNAL_TIMEOUT, connect=10.0), follow_redirects=False
        )
        self._parser = ox.Store()  # always empty: only parses queries
        self._graph_names: tuple[float, list[str]] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        auth = (settings.remote_user, settings.remote_password or "") if settings.remote_user else None
        return cls(settings.remote_query_url, settings.remote_update_url, settings.remote_store_url, auth)

    def close(self) -> None:
        self._client.close()

    @property
    def raw(self) -> RemoteStore:
        return self

    # --- queries ---------------------------------------------------------------------

    def check_syntax(self, query: str, base_iri: str | None, prefixes: dict[str, str] | None) -> None:
        """Raise pyoxigraph's SyntaxError for a malformed query, as the embedded store would."""
        probe = parse_only_form(query)
        try:
            self._parser.query(probe, base_iri=base_iri, prefixes=prefixes)
        except SyntaxError:
            if probe == query:
                raise
            self._parser.query(query, base_iri=base_iri, prefixes=prefixes)  # the error at the query's own positions

    def dataset_parameters(self, default_graph: list | None, named_graphs: list | None) -> dict[str, list[str]]:
        """The protocol's dataset for pyoxigraph's `default_graph`/`named_graphs` arguments.

        In the protocol a dataset given by parameters is the whole dataset: naming only the
        default graph leaves no named graphs. pyoxigraph keeps every named graph then, so
        they are listed.
        """
        if default_graph is None and named_graphs is None:
            return {}
        default = [node.value for node in default_graph or []]
        named = [node.value for node in named_graphs] if named_graphs is not None else self.graph_names(cached=True)
        return {"default-graph-uri": default, "named-graph-uri": named}

    def open_query(
        self,
        query: str,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        default_graph: list | None = None,
        named_graphs: list | None = None,
        timeout: float = INTERNAL_TIMEOUT,
    ) -> httpx.Response:
        """Send a query; the response is open (streamed) and must be closed by the caller."""
        data = {"query": prologue(base_iri, prefixes) + query, **self.dataset_parameters(default_graph, named_graphs)}
        request = self._client.build_request(
            "POST", self.query_url, data=data, headers={"Accept": QUERY_ACCEPT}, timeout=timeout
        )
        try:
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException as error:
            raise TimeoutError("query deadline") from error
        except httpx.HTTPError as error:
            raise unreachable(self.query_url, error) from error
        if response.status_code >= 300:
            try:
                body = response.read()[:2000]
            except httpx.HTTPError:
                body = b""
            finally:
                response.close()
            raise http_failure(response, body, "the query")
        return response

    @staticmethod
    def parse_answer(response: httpx.Response, source: io.BufferedReader | bytes):
        """Query results or triples, parsed lazily in the format the server chose."""
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        results_format = ox.QueryResultsFormat.from_media_type(media_type) if media_type else None
        if results_format is not None:
            return ox.parse_query_results(source, results_format)
        rdf_format = ox.RdfFormat.from_media_type(media_type) if media_type else None
        if rdf_format is not None:
            return ox.parse(source, rdf_format)
        raise RemoteStoreError(502, f"The store server answered in a format the service does not read: {media_type!r}.")

    def query(
        self,
        query: str,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        default_graph: list | None = None,
        named_graphs: list | None = None,
    ):
        """Like pyoxigraph's Store.query, for small internal queries: the answer is read whole."""
        self.check_syntax(query, base_iri, prefixes)
        response = self.open_query(query, base_iri, prefixes, default_graph, named_graphs)
        try:
            body = response.read()
        except httpx.HTTPError as error:
            raise RemoteStoreError(502, f"The store server's answer broke off: {short(str(error))}") from error
        finally:
            response.close()
        result = self.parse_answer(response, body)
        return result if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)) else list(result)

    def session(self, deadline: float) -> RemoteQuerySession:
        return RemoteQuerySession(self, deadline)

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> list[ox.Quad]:
        terms_given = (subject, predicate, object)
        terms = [sparql_term(term) if term is not None else None for term in terms_given]
        for given, text in zip(terms_given, terms, strict=True):
            if given is not None and text is None:
                return []  # a blank node: not addressable from outside the server
        s, p, o = (text or f"?{name}" for text, name in zip(terms, "spo", strict=True))
        pattern = f"{s} {p} {o}"
        if isinstance(graph_name, ox.DefaultGraph):
            where = f"{{ {pattern} }}"
        elif isinstance(graph_name, ox.NamedNode):
            where = f"{{ GRAPH {graph_name} {{ {pattern} }} }}"
        elif graph_name is None:
            where = f"{{ {{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }} }} }}"
        else:
            return []
        quads = []
        for row in self.query(f"SELECT * WHERE {where}"):
            graph = graph_name if graph_name is not None else (row["g"] or ox.DefaultGraph())
            s_, p_, o_ = (
                given if given is not None else row[name] for given, name in zip(terms_given, "spo", strict=True)
            )
            quads.append(ox.Quad(s_, p_, o_, graph))
        return quads

    def named_graphs(self) -> list[ox.NamedNode]:
        return [ox.NamedNode(name) for name in self.graph_names()]

    # --- the GraphStore operations ---------------------------------------------------

    def graph_names(self, cached: bool = False) -> list[str]:
        now = time.monotonic()
        if cached and self._graph_names is not None and now - self._graph_names[0] < GRAPH_NAMES_SECONDS:
            return self._graph_names[1]
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        names = sorted(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode))
        self._graph_names = (now, names)
        return names

    def count(self, graph: str | None = None) -> int:
        target = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        rows = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {target} }}")
        return int(next(iter(rows))["n"].value)

    def ping(self, timeout: float = PING_SECONDS) -> bool:
        try:
            response = self._client.post(
                self.query_url,
                data={"query": "ASK {}"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=timeout,
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def graph_url(self, name: str | None) -> httpx.URL:
        url = httpx.URL(self.store_url)
        return url.copy_add_param("default", "") if name is None else url.copy_add_param("graph", name)

    def read_graph(self, name: str | None) -> Graph:
        """One graph by the Graph Store Protocol (GET); an absent graph is empty."""
        try:
            response = self._client.get(self.graph_url(name), headers={"Accept": GRAPH_ACCEPT}, timeout=WRITE_TIMEOUT)
        except httpx.HTTPError as error:
            raise unreachable(self.store_url, error) from error
        if response.status_code == 404:
            return Graph()
        if response.status_code >= 300:
            raise http_failure(response, response.content[:2000], f"a read of the graph <{name or 'default'}>")
        return Graph().parse(data=response.content, format="nt")

    def put_graph(self, name: str | None, graph: Graph) -> None:
        """Replace one graph by the Graph Store Protocol (PUT); an empty graph is deleted instead."""
        if not len(graph):
            self.delete_graph(name)
            return
        self._send("PUT", self.graph_url(name), sorted_ntriples(graph), f"the graph <{name or 'default'}>")

    def delete_graph(self, name: str | None) -> None:
        self._send("DELETE", self.graph_url(name), None, f"the deletion of <{name or 'default'}>", missing_ok=True)

    def _send(self, method: str, url: httpx.URL | str, body: bytes | None, what: str, missing_ok: bool = False) -> None:
        headers = {}
        if body is not None:
            headers["Content-Type"] = "application/sparql-update" if method == "POST" else "application/n-triples"
        try:
            response = self._client.request(method, url, content=body, headers=headers, timeout=WRITE_TIMEOUT)
        except httpx.HTTPError as error:
            raise unreachable(str(url), error) from error
        if response.status_code >= 300 and not (missing_ok and response.status_code == 404):
            raise http_failure(response, response.content[:2000], what)

    def write_build(self, graphs: BuildGraphs) -> None:
        """Replace the dataset with a build: one PUT per graph, then stale graphs deleted.

        Only graphs under id:graph/ count as stale: a server shared with other data (or with
        graphs of its own, as Virtuoso has) keeps them. Not one transaction: readers may see
        a mix of old and new graphs while it runs.
        """
        asserted = graphs.asserted_union()
        everything = Graph()
        everything += asserted
        everything += graphs.inferred
        targets: list[tuple[str | None, Graph]] = [
            (str(name), graph) for name, graph in sorted(graphs.asserted.items())
        ]
        targets += [(str(GRAPH_ASSERTED), asserted), (str(GRAPH_INFERRED), graphs.inferred), (None, everything)]
        before = set(self.graph_names())
        for name, graph in targets:
            self.put_graph(name, graph)
        written = {name for name, graph in targets if name is not None and len(graph)}
        for stale in sorted(name for name in before - written if name.startswith(str(ID["graph/"]))):
            self.delete_graph(stale)
        self._graph_names = None

    def write_update(self, before: dict[URIRef, Graph], after: BuildGraphs) -> bool:
        """Write back what an update changed, in one SPARQL Update request (one transaction).

        `before` are the asserted graphs the update started from; a graph of `after` that is
        the same object was not changed (app.update.apply_update keeps those). The derived
        graphs (default, asserted, inferred) are rewritten whenever anything changed.
        Returns whether anything was written.
        """
        changed = sorted(name for name, graph in after.asserted.items() if before.get(name) is not graph)
        removed = sorted(name for name in before if name not in after.asserted)
        if not changed and not removed:
            return False
        asserted = after.asserted_union()
        everything = Graph()
        everything += asserted
        everything += after.inferred
        blocks: list[tuple[str | None, Graph]] = [(str(name), after.asserted[name]) for name in changed]
        blocks += [(str(GRAPH_ASSERTED), asserted), (str(GRAPH_INFERRED), after.inferred), (None, everything)]
        operations = [f"DROP SILENT GRAPH <{name}>" for name in removed]
        for index, (name, graph) in enumerate(blocks):
            operations.append("DROP SILENT DEFAULT" if name is None else f"DROP SILENT GRAPH <{name}>")
            if len(graph):
                operations.append(insert_data(name, graph, f"u{index}x"))
        self.update(" ;\n".join(operations) + "\n")
        self._graph_names = None
        return True

    def update(self, text: str) -> None:
        self._send("POST", self.update_url, text.encode("utf-8"), "the update")


def insert_data(name: str | None, graph: Graph, label_prefix: str) -> str:
    """`INSERT DATA` of a graph. Blank node labels get a prefix of their own: a label may
    not be shared by two blocks of one request."""
    if any(isinstance(term, BNode) for triple in graph for term in (triple[0], triple[2])):
        relabelled = Graph()
        for s, p, o in graph:
            relabelled.add(
                (
                    BNode(label_prefix + s) if isinstance(s, BNode) else s,
                    p,
                    BNode(label_prefix + o) if isinstance(o, BNode) else o,
                )
            )
        graph = relabelled
    triples = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    if name is None:
        return f"INSERT DATA {{\n{triples}}}"
    return f"INSERT DATA {{ GRAPH <{name}> {{\n{triples}}} }}"


class RemoteQuerySession:
    """One query's exchange with the server, with pyoxigraph's `Store.query` signature: every
    read stops at the deadline, and the responses are closed at the end."""

    def __init__(self, store: RemoteStore, deadline: float) -> None:
        self.store = store
        self.deadline = deadline
        self.parsed = False  # the query passed our parser: a SyntaxError now is in the server's answer
        self._responses: list[httpx.Response] = []

    def __enter__(self) -> RemoteQuerySession:
        return self

    def __exit__(self, *_exc: object) -> None:
        for response in self._responses:
            with contextlib.suppress(Exception):
                response.close()

    def query(
        self,
        query: str,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        default_graph: list | None = None,
        named_graphs: list | None = None,
    ):
        self.store.check_syntax(query, base_iri, prefixes)
        self.parsed = True
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("query deadline")
        response = self.store.open_query(query, base_iri, prefixes, default_graph, named_graphs, timeout=remaining)
        self._responses.append(response)
        reader = io.BufferedReader(DeadlineReader(response.iter_bytes(), self.deadline))
        return self.store.parse_answer(response, reader)


class Collector:
    """Takes the messages `app.query_worker.answer` sends down a worker's pipe."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, Any]] = []

    def send(self, message: tuple[str, Any]) -> None:
        self.messages.append(message)


class RemoteQueryEngine:
    """Answers query jobs from the remote store: the same jobs and answers as QueryEngine.

    Each query runs in a thread of a small pool (`query_workers` at once per replica):
    the thread sends the query, reads the answer up to the row cap and serializes it with
    the query workers' own code (`app.query_worker.answer`). At the deadline the client
    gets our 503; the thread stops reading at the deadline too. The server itself goes on
    evaluating unless it has a timeout of its own (Oxigraph: `serve --timeout-s`).
    """

    timeout_error = QueryEngine.timeout_error  # the same 503 and message as the embedded engine

    def __init__(self, store: RemoteStore, workers: int, timeout: float) -> None:
        self.store = store
        self.size = max(1, workers)
        self.timeout = timeout
        self.timeouts = 0
        self.memory_stops = 0
        self.reachable = False
        self._slots = asyncio.Semaphore(self.size)
        self._executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="remote-query")
        self._watch: asyncio.Task | None = None

    async def start(self) -> None:
        self.reachable = await asyncio.to_thread(self.store.ping)
        if not self.reachable:
            log.warning(
                "the store server at %s does not answer yet; /ready says 503 until it does", self.store.query_url
            )
        self._watch = asyncio.get_running_loop().create_task(self._watch_store())

    async def _watch_store(self) -> None:
        while True:
            await asyncio.sleep(PING_SECONDS)
            self.reachable = await asyncio.to_thread(self.store.ping)

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.store.close()

    @property
    def ready(self) -> bool:
        return self.reachable

    def _answer(self, job: dict, deadline: float) -> list[tuple[str, Any]]:
        """In a pool thread: the messages a query worker would have sent for this job."""
        collector = Collector()
        session = self.store.session(deadline)
        try:
            with session:
                answer(collector, session, job)  # type: ignore[arg-type]
        except TimeoutError:
            return [("timeout", None)]
        except RemoteStoreError as error:
            message = error.message
            if job.get("remote") and error.status == 502:
                message += " (The query calls a remote SERVICE: use SERVICE SILENT to go on without it.)"
            return [("error", {"status": error.status, "message": message})]
        except SyntaxError as error:
            if session.parsed:  # not the query: the server's answer did not parse
                return [("error", {"status": 502, "message": f"The store server's answer could not be read: "
                                   f"{short_syntax_error(error)}"})]  # fmt: skip
            status, message = error_message(error)
            return [("error", {"status": status, "message": message})]
        except Exception as error:
            status, message = error_message(error, bool(job.get("remote")))
            return [("error", {"status": status, "message": message})]
        return collector.messages

    async def run(self, job: QueryJob) -> QueryAnswer:
        started = time.monotonic()
        deadline = started + self.timeout
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self.timeout)
        except TimeoutError:
            raise ProtocolError(503, "The server is busy: no query worker became free in time. Retry later.") from None
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, self._answer, job.message(), deadline)
        except BaseException:
            self._slots.release()
            raise
        # The slot is free when the thread is, not when the client stops waiting.
        future.add_done_callback(lambda _future: self._slots.release())
        try:
            messages = await asyncio.wait_for(asyncio.shield(future), timeout=max(deadline - time.monotonic(), 0.001))
        except TimeoutError:
            messages = [("timeout", None)]
        finally:
            note_query_time(time.monotonic() - started)
        kind, payload = messages[0]
        if kind == "timeout":
            raise self.timeout_error()
        if kind == "error":
            raise ProtocolError(payload["status"], payload["message"])
        chunks = [payload for kind, payload in messages[1:] if kind == "chunk"]
        head = payload

        async def stream() -> Any:
            for chunk in chunks:
                yield chunk

        return QueryAnswer(head["kind"], head["truncated"], head["count"], stream())


def build_target(settings: Settings) -> RemoteStore | None:
    """Where `migcoop build` writes: the remote store, or None for the embedded store at store_path."""
    return RemoteStore.from_settings(settings) if settings.store_backend == "remote" else None


def main(argv: list[str] | None = None) -> int:
    """`python -m app.store_remote init [--wait SECONDS]`: wait until the store server answers, then
    build into it if it holds nothing yet. A store that holds data (say, with updates made through
    the endpoint) is left as it is; `migcoop build` rebuilds it. For a container's first start."""
    import argparse
    import sys

    from app.core.config import get_settings

    parser = argparse.ArgumentParser(prog="python -m app.store_remote")
    parser.add_argument("command", choices=["init"])
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait for the store server")
    args = parser.parse_args(argv)
    settings = get_settings()
    store = RemoteStore.from_settings(settings)
    deadline = time.monotonic() + args.wait
    while not store.ping():
        if time.monotonic() > deadline:
            print(f"The store server at {store.query_url} did not answer in {args.wait:g} s.", file=sys.stderr)
            return 1
        time.sleep(1.0)
    names, triples = store.graph_names(), store.count()
    if names or triples:
        print(f"The store already holds {triples} triples in its default graph and {len(names)} named graphs: kept.")
        return 0
    from app.build import BuildFailed, build
    from app.load import LoadError

    try:
        result = build(
            settings.ontology_dir,
            settings.data_dir,
            settings.store_path,
            settings.dumps_path,
            lambda message: print(message, file=sys.stderr, flush=True),
            target=store,
        )
    except (BuildFailed, LoadError) as failure:
        print(str(failure), file=sys.stderr)
        return 1
    print(f"Built into {store.store_url}: {result.asserted_triples} asserted, {result.inferred_triples} inferred.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
