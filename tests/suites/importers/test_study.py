"""The study's prompt files (warmgate/suites/importers/study.py): items and their prompts."""

from pathlib import Path

from warmgate.suites.importers import read_study_prompts

FIX = Path(__file__).parents[2] / "fixtures" / "formats"


def test_study_prompt_files_give_items_and_their_prompts():
    prompts, res = read_study_prompts(FIX / "study" / "trivia.json")
    assert (res.report.read, res.report.kept, res.report.merged) == (15, 5, 10)
    questions = {i.question for i in res.items}
    # the prompt's question wins over content_key, which keeps a typo the prompts fixed
    assert "Which planet is known as the Red Planet?" in questions
    assert not any("knwon" in q for q in questions)
    # with no plain prompt to read it from, the question is content_key
    assert "Name the longest river in Africa" in questions
    assert len(prompts) == 15 and {p.item_id for p in prompts} == {i.id for i in res.items}
    _, tqa = read_study_prompts(FIX / "study" / "truthfulqa.json")
    assert (tqa.report.read, tqa.report.kept, tqa.report.merged) == (5, 2, 3)
    _, dis = read_study_prompts(FIX / "study" / "disinfo.json")
    assert (dis.report.read, dis.report.kept, dis.report.merged) == (10, 3, 7)
    flat = [i for i in dis.items if "flat" in i.question][0]
    assert (flat.question, flat.answer, flat.answer_type) == ("Is the Earth flat?", "no", "yes_no")
    assert flat.incorrect_answer == "The Earth is flat."
    apollo = [i for i in dis.items if "Apollo" in i.question][0]
    assert (apollo.answer, apollo.answer_type) == ("yes", "yes_no")
    jackson = [i for i in dis.items if "Jackson" in i.question][0]
    assert jackson.answer == "yes"  # the question asks about side B ("died"), which is true
