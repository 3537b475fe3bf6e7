"""Benchmarks: request counts and timings against the simulators (scripts/bench)."""
