"""Simulated history: the ingredients of a month (or more) of realistic past days — how many orders each day
and zone sees (`demand`) — for the demo, the tests and the benchmarks that need a past to learn from."""
