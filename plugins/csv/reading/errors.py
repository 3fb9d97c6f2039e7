"""The one error the reading layer raises: where (file, line) and why."""

from __future__ import annotations

from shopctl import PermanentError


class ReadError(PermanentError):
    """A file that cannot be read as rows: `商品.csv:120: not gb18030 text (…)`."""

    def __init__(self, location: str, reason: str):
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason
