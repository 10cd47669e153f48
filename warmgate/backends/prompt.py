"""The one prompt formatter: a persona and a user message -> what every engine is sent.

Chat messages (`[system], user`) for engines that take them; with a tokenizer, its chat template
where it has one, else the completion form `{persona}\\n\\nQ: {message}\\nA:` (what the
embedded base model and the example adapters were trained on). The transformers and vLLM
backends, the OpenAI client and the test server all format here, so they ask the same text.
"""

from __future__ import annotations

from typing import Any

#: The completion form, for models without a chat template and the `completions` endpoint.
COMPLETION_TEMPLATE = "{persona}Q: {message}\nA:"


def chat_messages(persona: str | None, message: str) -> list[dict[str, str]]:
    """The chat for one question: the persona as the system message, then the user's message."""
    chat = [{"role": "system", "content": persona}] if persona else []
    chat.append({"role": "user", "content": message})
    return chat


def completion_text(messages: list[dict[str, Any]], template: str = COMPLETION_TEMPLATE) -> str:
    """A chat as completion text: system messages joined in front, then Q:/A: turns."""
    system = "\n\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "system")
    persona = f"{system}\n\n" if system else ""
    turns = [m for m in messages if m.get("role") != "system"]
    text = ""
    for i, m in enumerate(turns):
        content = str(m.get("content", ""))
        if m.get("role") == "assistant":
            text += f" {content}\n"
        else:
            text += template.format(persona=persona if i == 0 else "", message=content)
    return text


def render(tokenizer: Any, messages: list[dict[str, Any]]) -> str:
    """The prompt text: the tokenizer's chat template where it has one, else completion text."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return completion_text(messages)


def token_ids(tokenizer: Any, messages: list[dict[str, Any]]) -> list[int]:
    """The prompt's token ids (a chat template already holds BOS: no second one is added)."""
    if getattr(tokenizer, "chat_template", None):
        return list(tokenizer.apply_chat_template(messages, tokenize=True,
                                                  add_generation_prompt=True))
    return list(tokenizer(completion_text(messages)).input_ids)
