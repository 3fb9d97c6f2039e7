"""Rules built to exhaust the checker: a regular expression whose compilation explodes
and a huge rule file. `shopctl validate` as a real process under a 1 GB memory limit
refuses each quickly with one positioned error."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from shopctl.errors import RuleError
from shopctl.rules.regex_guard import BoundedRegex

LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from shopctl.cli.main import main
sys.argv = ["shopctl", *sys.argv[1:]]
main()
"""
BOMB = """\
- rule: bomb
  on: product
  when: title matches "(((a{100}){100}){100}){100}"
  do: [pause]
"""


def validate(path: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """`shopctl validate PATH` in a process limited to 1 GB; the result and seconds taken."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", LIMITED, "validate", str(path)],
        capture_output=True, text=True, timeout=120, cwd=path.parent,
    )  # fmt: skip
    return done, time.monotonic() - started


def test_a_nested_counted_repetition_is_refused_at_its_place(tmp_path: Path) -> None:
    rules = tmp_path / "bomb.yaml"
    rules.write_text(BOMB, encoding="utf-8")
    done, seconds = validate(rules)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    output = done.stdout + done.stderr
    assert "bomb.yaml:3:" in output and "repeats 10,000 times" in output
    assert seconds < 30  # it was 44 s and 23 GB before the bound


def test_a_5_mb_rule_file_is_refused_naming_the_file_and_the_limit(tmp_path: Path) -> None:
    rules = tmp_path / "huge.yaml"
    rules.write_text(BOMB.replace("(((a{100}){100}){100}){100}", "x") + "# " + "x" * 5_000_000)
    done, _ = validate(rules)
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "huge.yaml" in output and "at most 1 MB" in output and "5.0 MB" in output
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("pattern", "refused"),
    [
        ("(a{10}){100}", False),
        ("(a{10}){101}", True),
        ("a{1001}", True),
        ("(ab|c{50}){20}", False),
        ("(ab|c{50}){21}", True),
        (r"\d{3}-\d{4}", False),
        ("[{]{999}", False),
        ("(?:x{40,50}){25}", True),
    ],
)
def test_counted_repetitions_multiply_when_nested(pattern: str, refused: bool) -> None:
    if refused:
        with pytest.raises(RuleError, match="at most 1,000"):
            BoundedRegex(pattern)
    else:
        assert BoundedRegex(pattern).pattern == pattern
