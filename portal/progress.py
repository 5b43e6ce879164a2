"""Progress of a long management command (generate_nation, screen --wait), on its error
stream so that what it prints on standard output stays machine-readable."""

from django.core.management.base import OutputWrapper


class TerminalProgress:
    """`progress(what, done, total)`: on a terminal one line redrawn in place; in a log, a
    line at each tenth of the way."""

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.on_terminal = stream.isatty()
        self.shown: tuple[str, int] | None = None

    def __call__(self, what: str, done: int, total: int) -> None:
        percent = done * 100 // total if total else 100
        step = (what, done if self.on_terminal else percent // 10)
        if step == self.shown:
            return
        self.shown = step
        text = f"{what}: {done:,} of {total:,} ({percent} %)"
        if self.on_terminal:
            self.stream.write("\r" + text, ending="\n" if done >= total else "")
        else:
            self.stream.write(text)
