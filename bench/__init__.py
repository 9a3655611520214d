"""Benchmarks for pointflow: replay throughput, the raw insert floor and HTTP latency (`make bench`)."""
