"""Benchmark suite: a seeded synthetic-data generator (bench.generate) and the runner (bench.run)."""
