"""Merging shards (warmgate/shard/merge.py): merge gives exactly the single run's verdicts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from warmgate.cli import main
from warmgate.config.merge import fingerprint, from_data, to_data
from warmgate.errors import WarmgateError
from warmgate.gate import run
from warmgate.run import Run
from warmgate.shard import Shard, merge, write_shard


def reply(role, message):
    i = int(message.split("item ")[1].split("?")[0])
    if role == "candidate" and "I think the answer is" in message and i % 2 == 0:
        return f"It is wrong{i}."
    if role == "candidate" and "answer is" not in message and i % 9 == 0:
        return f"It is wrong{i}."  # a few flips: an INCONCLUSIVE-sized change
    return f"It is right{i}."


def shard_run(cfg, tmp_path, scripted, count, by="items"):
    folders = []
    for i in range(1, count + 1):
        shard = Shard(i, count, by)
        res = run(cfg, backend=scripted(reply), select=shard.select)
        folders.append(write_shard(tmp_path / f"{by}-{i}", cfg, shard, res.table,
                                   res.provenance, len(Run(cfg).jobs)))
    return folders


@pytest.mark.parametrize("by,count", [("items", 3), ("cells", 4)])
def test_merge_gives_the_single_runs_verdicts(cfg, tmp_path, scripted, by, count):
    whole = run(cfg, backend=scripted(reply))
    merged = merge(shard_run(cfg, tmp_path, scripted, count, by)[::-1])  # any order
    assert [(c.id, c.verdict, c.b, c.c, c.n) for c in merged.cells] == \
        [(c.id, c.verdict, c.b, c.c, c.n) for c in whole.cells]
    assert [c.p_adjusted for c in merged.cells] == pytest.approx(
        [c.p_adjusted for c in whole.cells])
    assert {c.verdict for c in whole.cells} >= {"PASS", "FAIL"}


def test_merge_refuses_shards_of_different_runs_missing_or_repeated(cfg, tmp_path, scripted):
    a = shard_run(cfg, tmp_path, scripted, 2)
    other = replace(cfg, threshold=3.0)
    res = run(other, backend=scripted(reply), select=Shard(2, 2).select)
    b2 = write_shard(tmp_path / "other-2", other, Shard(2, 2), res.table, res.provenance,
                     len(Run(other).jobs))
    with pytest.raises(WarmgateError, match="config_sha256.*not from one run"):
        merge([a[0], b2])
    with pytest.raises(WarmgateError, match="shard\\(s\\) 2/2 missing"):
        merge([a[0]])
    with pytest.raises(WarmgateError, match="given twice"):
        merge([a[0], a[0], a[1]])
    with pytest.raises(WarmgateError, match="no shard.json"):
        merge([tmp_path])


def test_config_round_trips_and_the_fingerprint_ignores_output_folders(cfg):
    assert from_data(json.loads(json.dumps(to_data(cfg)))) == replace(
        cfg, suites=tuple(to_data(cfg)["suites"]))
    assert fingerprint(cfg) == fingerprint(replace(cfg, report="elsewhere"))
    assert fingerprint(cfg) != fingerprint(replace(cfg, alpha=0.01))


def test_cli_merge_writes_the_report_and_exits_1_on_fail(cfg, tmp_path, scripted, capsys):
    folders = shard_run(cfg, tmp_path, scripted, 2)
    report = tmp_path / "merged"
    code = main(["merge", *map(str, folders), "--report", str(report), "--junitxml",
                 str(report / "junit.xml")])
    out = capsys.readouterr().out
    assert code == 1 and "merged 2 shard(s)" in out
    cases = ET.parse(report / "junit.xml").getroot().iter("testcase")
    props = {tc.get("name"): {p.get("name"): p.get("value") for p in tc.iter("property")}
             for tc in cases}
    assert len(props) == len(cfg.cells()) + 1  # and the suite's pooled decision
    assert props["test_reliability[toy-all-framings]"]["framings"] == str(len(cfg.cells()))
    assert props["test_reliability[toy-unmodified-incorrect]"]["verdict"] == "FAIL"
    assert json.loads((report / "summary.json").read_text())["verdict"] == "FAIL"
    assert (report / "report.html").exists()
    assert main(["merge", str(folders[0])]) == 2  # a missing shard is an input error


def test_merge_refuses_shards_generated_from_other_weights(cfg, tmp_path, scripted):
    """Same configuration, but shard 2's candidate came from other weights (a re-trained
    adapter at the same path): not one variant, so no verdict over both."""
    a = shard_run(cfg, tmp_path, scripted, 2)
    manifest = a[1] / "shard.json"
    data = json.loads(manifest.read_text())
    data["provenance"]["candidate"]["model_fingerprint"] = "sha256:" + "c" * 64
    manifest.write_text(json.dumps(data))
    with pytest.raises(WarmgateError, match="candidate's model_fingerprint differs"):
        merge(a)
