"""`make bench`: load figures of the API on a synthetic corpus, beside their ceilings.

Run it as `python -m bench` from the repository root (see `bench/cli.py` and BENCHMARKS.md).
"""
