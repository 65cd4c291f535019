"""The `migcoop` command: build, validate, stats, serve."""

from __future__ import annotations

import argparse
import sys

from app.core.config import get_settings


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def command_build(args: argparse.Namespace) -> int:
    from app.build import BuildFailed, build
    from app.load import LoadError
    from app.store_remote import build_target

    settings = get_settings()
    engine = args.engine or settings.build_engine
    try:
        result = build(
            settings.ontology_dir,
            settings.data_dir,
            settings.store_path,
            settings.dumps_path,
            progress,
            engine,
            target=build_target(settings),
        )
    except (BuildFailed, LoadError) as failure:
        print(str(failure), file=sys.stderr)
        return 1
    print(f"asserted triples: {result.asserted_triples}")
    print(f"inferred triples: {result.inferred_triples}")
    print(f"store: {settings.remote_store_url if settings.store_backend == 'remote' else settings.store_path}")
    print(f"dumps: {settings.dumps_path}")
    return 0


def command_validate(_args: argparse.Namespace) -> int:
    from app.build import format_violations
    from app.load import LoadError, load
    from app.validate import load_shapes, validate

    settings = get_settings()
    try:
        loaded = load(settings.ontology_dir, settings.data_dir)
    except LoadError as error:
        print(str(error), file=sys.stderr)
        return 1
    report = validate(loaded.asserted(), load_shapes(settings.ontology_dir / "shapes.ttl"))
    if report.conforms:
        print("The data conforms to the shapes.")
        return 0
    print(format_violations(report, loaded.files_defining, limit=500))
    return 1


def command_stats(_args: argparse.Namespace) -> int:
    from app.stats import class_counts, graph_counts
    from app.store import OxigraphStore
    from app.store_remote import build_target

    settings = get_settings()
    store = build_target(settings)  # the remote store, with MIGCOOP_STORE_BACKEND=remote
    if store is None and not settings.store_path.exists():
        print(f"No store at {settings.store_path}: run `migcoop build` first.", file=sys.stderr)
        return 1
    if store is None:
        store = OxigraphStore.open(settings.store_path, read_only=True)
    print("Triples per graph")
    for name, count in graph_counts(store):
        print(f"  {count:>8}  {name}")
    print("Instances per class (asserted and inferred)")
    for name, count in class_counts(store):
        print(f"  {count:>8}  {name}")
    return 0


def command_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.host not in {"127.0.0.1", "::1", "localhost"} and not args.allow_public:
        print("Refusing to bind outside loopback without --allow-public.", file=sys.stderr)
        return 2
    uvicorn.run("app.main:app", host=args.host, port=args.port, workers=args.workers)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="migcoop", description="Migration Cooperation knowledge graph")
    commands = root.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="load, validate, reason, write the store and the dumps")
    build.add_argument(
        "--engine",
        choices=["reference", "fast"],
        help="validation and reasoning engines: fast (the default) or reference (pyshacl, owlrl); "
        "default: the MIGCOOP_BUILD_ENGINE setting, else fast",
    )
    build.set_defaults(func=command_build)
    commands.add_parser("validate", help="check the data against the SHACL shapes").set_defaults(func=command_validate)
    commands.add_parser("stats", help="counts per graph and per class").set_defaults(func=command_stats)
    serve = commands.add_parser("serve", help="serve the SPARQL endpoint with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--allow-public", action="store_true", help="allow binding to a non-loopback address")
    serve.set_defaults(func=command_serve)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
