"""Rich progress bars with rate and ETA; ``quiet`` turns them off."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Items per second (or seconds per item when slower than one per second)."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        if not speed:
            return Text("?/s", style="progress.data.speed")
        return Text(f"{speed:.2f}/s" if speed >= 1 else f"{1 / speed:.1f}s/it", style="progress.data.speed")


def progress(quiet: bool = False) -> Progress:
    """A ``rich.progress.Progress`` (use as a context manager) on stderr showing done/total, rate,
    elapsed time and ETA, plus a free ``info`` field per task (``bar.update(task, info="loss 1.2")``)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[info]}"),
        console=Console(stderr=True),
        disable=quiet,
    )


def add_task(bar: Progress, description: str, total: int | None, completed: int = 0):
    """``bar.add_task`` with the ``info`` field initialised."""
    return bar.add_task(description, total=total, completed=completed, info="")
