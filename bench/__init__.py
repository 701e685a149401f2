"""Benchmarks at large-company scale (see bench/README in the main README)."""
