"""Sharding one gate run: choosing a shard (`select`), writing and merging shard folders
(`merge`), and pytest-xdist's parts of one session under file locks (`parts`)."""

from __future__ import annotations

from warmgate.shard.merge import MANIFEST, TABLE, merge, write_shard
from warmgate.shard.parts import gather_parts, read_parts
from warmgate.shard.select import SPLITS, Shard, parse_shard

__all__ = ["MANIFEST", "SPLITS", "TABLE", "Shard", "gather_parts", "merge", "parse_shard",
           "read_parts", "write_shard"]
