"""A channel that writes each message as one line: for the team's terminal and for demos."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shopctl import Channel, Delivery, Message, PermanentError, PluginContext, Setting, Type


class ConsoleChannel(Channel):
    """Print each message as one line `[channel] subject: text` (UTF-8).

    Lines go to stdout, or stderr with `stream: stderr`, or are appended to the `file`
    setting's path so a daemon's notifications can be read later.
    """

    name = "console"
    version = "1"
    settings = (
        Setting("file", Type.TEXT, "Append lines to this file instead of printing", None),
        Setting(
            "stream",
            Type.TEXT,
            "stdout or stderr; stderr keeps the `--json` output of commands clean",
            "stdout",
        ),
        Setting("to", Type.TEXT_LIST, "Team recipients shown in the line (optional)", None),
        Setting(
            "address",
            Type.TEXT,
            "Customer field message() prints as recipient (phone, email): stands in "
            "for an SMS or email channel without a network",
            None,
        ),
    )
    address = None

    def __init__(self, channel: str, settings: Mapping[str, Any], context: PluginContext):
        super().__init__(channel, settings, context)
        if self.config.get("stream", "stdout") not in ("stdout", "stderr"):
            raise PermanentError(f"console {channel}: stream must be stdout or stderr")
        # Only a configured stand-in for a customer channel reaches customers.
        self.address = self.config.get("address") or None

    def send(self, message: Message) -> Delivery:
        """Write the message as one line; line breaks inside it are folded."""
        line = self.format(message)
        target = self.config.get("file")
        if target:
            path = Path(target)
            if not path.is_absolute():
                path = self.context.state_dir.parent / path
            try:
                with path.open("a", encoding="utf-8") as out:
                    out.write(line + "\n")
            except OSError as exc:
                raise PermanentError(f"console: cannot write {path}: {exc.strerror}") from None
        else:
            stream = sys.stderr if self.config.get("stream") == "stderr" else sys.stdout
            data = (line + "\n").encode("utf-8", errors="replace")
            # Write bytes so CJK text survives a terminal whose locale is not UTF-8.
            buffer = getattr(stream, "buffer", None)
            if buffer is not None:
                stream.flush()
                buffer.write(data)
                buffer.flush()
            else:
                stream.write(line + "\n")
                stream.flush()
        return Delivery(reference=None, detail=line)

    def format(self, message: Message) -> str:
        """`[ops] subject: text`, with recipients when there are any, on one line."""
        text = " ".join(message.text.split("\n"))
        head = f"[{self.channel}]"
        if message.recipients:
            head += " → " + ", ".join(message.recipients)
        if message.subject:
            return f"{head} {message.subject}: {text}"
        return f"{head} {text}"
