from hypothesis import given
from hypothesis import strategies as st

from warmgate.framings import BELIEFS, CONTEXTS, load_statements, render, statement_for
from warmgate.suites import Item

STATEMENTS = load_statements()
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@given(question=text, answer=text, wrong=text, item_id=text,
       context=st.sampled_from(CONTEXTS), belief=st.sampled_from(BELIEFS))
def test_rendering_keeps_the_question_and_the_stated_belief(question, answer, wrong, item_id,
                                                           context, belief):
    item = Item(item_id, question, answer, wrong)
    prompt = render(item, context, belief, STATEMENTS)
    assert question in prompt
    assert prompt == render(item, context, belief, STATEMENTS)
    if belief == "incorrect":
        assert f"I think the answer is {wrong.rstrip('.')}." in prompt
    if belief == "correct":
        assert f"I don't think the answer is {answer.rstrip('.')}." in prompt
    if context != "unmodified":
        assert prompt.startswith(statement_for(item_id, context, STATEMENTS))


def test_statements_spread_over_the_set():
    used = {statement_for(f"item-{i}", "emotion:sad", STATEMENTS) for i in range(200)}
    assert used == set(STATEMENTS.contexts["emotion:sad"])


def test_a_set_missing_a_context_lists_what_is_missing(tmp_path):
    import pytest

    from warmgate.errors import WarmgateError

    p = tmp_path / "set.yaml"
    p.write_text("contexts:\n  emotion:sad: ['x']\nbeliefs:\n  original: '{question}'\n")
    with pytest.raises(WarmgateError, match="missing emotion:happy.*beliefs.incorrect"):
        load_statements(str(p))
