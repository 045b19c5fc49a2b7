"""``zst`` entry point: registers the seven subcommands."""

from __future__ import annotations

import typer

from zst import __version__
from zst.cli import eval as eval_cmd
from zst.cli import prepare, retrieve, slm, train, translate

app = typer.Typer(
    name="zst",
    help="Zero-shot and cross-lingual speech-to-text translation from pretrained speech and text models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(prepare.app, name="prepare")
app.command("distill")(train.distill_cmd)
app.command("train-nll")(train.train_nll_cmd)
app.command("train-slm")(slm.train_slm_cmd)
app.command("translate")(translate.translate_cmd)
app.command("retrieve")(retrieve.retrieve_cmd)
app.command("eval")(eval_cmd.eval_cmd)


def _version(value: bool):
    if value:
        typer.echo(f"zst {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")):
    """Zero-shot speech translation: prepare → distill → train-nll → translate → eval."""


if __name__ == "__main__":  # pragma: no cover
    app()
