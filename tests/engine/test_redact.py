"""Secrets are masked in recorded errors."""

from shopctl.engine.redact import redact


def test_every_secret_is_masked_longest_first() -> None:
    text = "401 for token abc123 (prefix abc)"
    assert redact(text, ["abc", "abc123"]) == "401 for token *** (prefix ***)"
    assert redact(text, []) == text
    assert redact(text, [""]) == text
