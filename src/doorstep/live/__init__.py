"""Live operations: the pub/sub broker that fans updates out, and the ETA engine that keeps promises current."""
