"""Secrets are masked in recorded errors."""

from shopctl.engine.redact import redact


def test_every_secret_is_masked_longest_first() -> None:
    text = "401 for token abc123 (prefix abc)"
    assert redact(text, ["abc", "abc123"]) == "401 for token *** (prefix ***)"
    assert redact(text, []) == text
    assert redact(text, [""]) == text


def test_json_escaped_and_url_encoded_spellings_are_masked() -> None:
    secret = "sk/abc é+x"
    for form in ("sk\\/abc \\u00e9+x", "sk%2Fabc%20%C3%A9%2Bx", "sk%2Fabc+%C3%A9%2Bx"):
        assert redact(f"got {form}!", [secret]) == "got ***!"


def test_masked_before_the_cut_and_a_piece_left_at_the_cut_masked() -> None:
    secret = "sk-0123456789"
    assert redact("x" * 10 + secret, [secret], limit=12) == "x" * 10 + "**"
    assert redact(secret + "tail", [secret], limit=5) == "***ta"
    # The server itself cut the secret short; our cut lands just after the piece.
    assert redact("x" * 10 + secret[:8] + "yyyy", [secret], limit=18) == "x" * 10 + "***"
    assert redact("x" * 10 + secret[:5] + "yyyy", [secret], limit=15) == "x" * 10 + secret[:5]
