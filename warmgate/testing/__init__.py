"""Test support shipped with warmgate: `server`, a fault-injecting OpenAI-compatible stub
server over a transformers model, for testing HTTP clients and backends on localhost."""
