"""Config typos in every stage are reported by one `shopctl validate`, carets on keys."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

TEMPLATE = Path(__file__).parents[2] / "core" / "cli" / "project_template.yaml"


def test_three_typos_in_three_stages_come_in_one_pass(tmp_path: Path) -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    text = text.replace("  quiet_hours:", "  quite_hours:").replace("    seed: 42", "    sed: 42")
    text = text.replace("    stream: stderr", "    stram: stderr", 1)
    (tmp_path / "shopctl.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "rules").mkdir()
    shutil.copy(Path(__file__).parents[2] / "rules" / "ads.yaml", tmp_path / "rules")
    done = subprocess.run(
        [sys.executable, "-m", "shopctl", "validate"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "3 error(s)"
    for typo, fix in (("sed", "seed"), ("stram", "stream"), ("quite_hours", "quiet_hours")):
        (at,) = [i for i, line in enumerate(lines) if f"`{typo}`" in line]
        assert f"did you mean `{fix}`?" in lines[at]
        source, caret = lines[at + 1], lines[at + 2]
        assert caret.strip() == "^" * len(typo)
        assert source[caret.index("^") :].startswith(f"{typo}:")  # under the key
    order = [next(i for i, ln in enumerate(lines) if f"`{t}`" in ln) for t in ("sed", "stram")]
    assert order == sorted(order) and order[1] < lines.index(
        next(ln for ln in lines if "`quite_hours`" in ln)
    )
