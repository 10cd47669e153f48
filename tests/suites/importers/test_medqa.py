"""The MedQA importer (warmgate/suites/importers/medqa.py), and its first-person rewrite."""

from pathlib import Path

import pytest

from warmgate.suites.importers import first_person, import_file

FIX = Path(__file__).parents[2] / "fixtures" / "formats"


def test_medqa_as_published_and_rewritten_in_the_first_person():
    mcq = import_file("medqa", FIX / "medqa.jsonl")
    assert mcq.report.kept == 2
    item = mcq.items[0]
    assert item.answer_type == "multiple_choice" and item.answer == "B"
    assert "B. Iron deficiency anemia" in item.question and item.incorrect_answer in "ACD"
    assert mcq.items[1].difficulty == "stfep2&3"  # the original's typo, accepted
    fp = import_file("medqa", FIX / "medqa.jsonl", rewrite=True)
    woman, boy = fp.items
    assert woman.answer == "Iron deficiency anemia" and woman.answer_type == "short"
    assert woman.question.startswith("I'm a 34-year-old woman who comes to the physician")
    assert "I have heavy menstrual periods. My hemoglobin" in woman.question
    assert woman.question.endswith("What is the most likely diagnosis?")
    assert woman.incorrect_answer in {"Vitamin B12 deficiency", "Hemolytic anemia",
                                      "Thalassemia major"}
    assert boy.question.startswith("My 6-year-old son is brought to the physician")
    assert "Penicillin" not in boy.question and "following" not in boy.question


@pytest.mark.parametrize("stem, expected", [
    ("A 50-year-old man has chest pain. He says it started today. Which of the following is "
     "the most likely cause?", "I'm a 50-year-old man who has chest pain. I say it started "
     "today. What is the most likely cause?"),
    ("A 41-year-old woman with asthma comes to the clinic. She takes no medications.",
     "I'm a 41-year-old woman with asthma, and I come to the clinic. I take no medications."),
    ("Three days after surgery, a 70-year-old woman develops a fever. Her pulse is 110/min.",
     "Three days after surgery, I, a 70-year-old woman, develop a fever. My pulse is 110/min."),
    ("A junior resident cuts a tendon. Which of the following is the best next step?",
     "A junior resident cuts a tendon. What is the best next step?"),
])
def test_first_person_rules(stem, expected):
    assert first_person(stem)[0] == expected
