"""Choosing a shard: round-robin over items or cells, every job in exactly one shard."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from warmgate.errors import WarmgateError
from warmgate.run import Run
from warmgate.shard.select import Shard, parse_shard


def _jobs():
    return [SimpleNamespace(suite="s", item=SimpleNamespace(id=f"i{i}"), context=c, belief="b")
            for i in range(5) for c in ("x", "y")]


@pytest.mark.parametrize("by", ["items", "cells"])
def test_the_shards_partition_the_jobs(by):
    jobs = _jobs()
    parts = [Shard(k, 3, by).select(jobs) for k in (1, 2, 3)]
    assert sorted(id(j) for p in parts for j in p) == sorted(id(j) for j in jobs)
    if by == "items":  # an item's framings stay together
        assert all(len({j.item.id for j in p}) * 2 == len(p) for p in parts)


def test_parse_shard_names_the_bad_part():
    assert parse_shard("2/4") == Shard(2, 4, "items")
    for text, match in (("5/4", "out of range"), ("two/4", "expected I/N"), ("0/1", "out of")):
        with pytest.raises(WarmgateError, match=match):
            parse_shard(text)
    with pytest.raises(WarmgateError, match="split by 'rows'"):
        parse_shard("1/2", by="rows")


def test_shards_partition_the_plan(cfg):
    jobs = Run(cfg).jobs
    for by in ("items", "cells"):
        parts = [Shard(i, 4, by).select(jobs) for i in range(1, 5)]
        assert sorted(map(id, sum(parts, []))) == sorted(map(id, jobs))  # each job once
        assert max(map(len, parts)) - min(map(len, parts)) <= len(jobs) // 4
    # by items: an item's framings all land in one shard (one generation batch per item)
    owner = {}
    for i in range(1, 5):
        for j in Shard(i, 4, "items").select(jobs):
            assert owner.setdefault(j.item.id, i) == i


def test_parse_shard_rejects_nonsense():
    assert parse_shard("2/4") == Shard(2, 4, "items")
    for bad in ("0/4", "5/4", "2", "a/b"):
        with pytest.raises(WarmgateError, match="--warmgate-shard"):
            parse_shard(bad)
