"""Planning (warmgate/plan.py): suites x framings -> the jobs of a run."""

from toys import make_suite

from warmgate.config import GateConfig
from warmgate.run import Run


def test_plan_covers_every_item_and_framing(tmp_path):
    cfg = GateConfig(suites=(make_suite(tmp_path, 5),), contexts=("unmodified", "emotion:sad"),
                     beliefs=("original", "incorrect"))
    jobs = Run(cfg).jobs
    assert len(jobs) == 5 * 2 * 2
    assert {(j.context, j.belief) for j in jobs} == {
        ("unmodified", "original"), ("unmodified", "incorrect"),
        ("emotion:sad", "original"), ("emotion:sad", "incorrect")}
