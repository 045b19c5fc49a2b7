"""``zst prepare <corpus>``: corpus on disk → manifest + cached teacher states; ``zst prepare mix``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from zst.cli.common import ConfigOpt, QuietOpt, SeedOpt, handle_errors, quiet_libraries, resolve_config, run_dir_opt
from zst.config import DEFAULT_TEXT_MODEL, MixConfig, PrepareConfig

app = typer.Typer(help="Build a Lhotse manifest (and cache NLLB-encoder states of the transcripts) from a corpus; "
                  "mix prepared manifests.", no_args_is_help=True)

#: corpus -> one-line description shown by `zst prepare --help`
CORPUS_HELP = {
    "europarl-st": "Europarl-ST v1.1: {src}/audios/*.m4a + {src}/{tgt}/{split}/segments.lst (translations attached).",
    "covost2": "CoVoST 2: covost_v2.{src}_{tgt}.tsv joined with Common Voice clips (X→en, en→X).",
    "commonvoice": "Common Voice: {locale}/clips/*.mp3 + {split}.tsv (transcribed speech).",
    "fleurs": "FLEURS: {lang}/audio/{split}/*.wav + {lang}/{split}.tsv (n-way parallel ids).",
    "voxpopuli": "VoxPopuli ASR: transcribed_data/{lang}/asr_{split}.tsv + ogg.",
    "mls": "Multilingual LibriSpeech: mls_{language}/{split}/transcripts.txt + flac.",
}


def _split_codes(value: Optional[str]) -> Optional[list[str]]:
    return None if value is None else [v for v in value.replace(",", " ").split() if v]


def _run(corpus: str, source: Path, config: Optional[Path], run_dir: Path, quiet: bool, no_teacher: bool,
         **flags) -> None:
    from zst.prepare import prepare

    quiet_libraries(quiet)
    for key in ("languages", "exclude", "tgt_languages"):
        flags[key] = _split_codes(flags.get(key))
    cfg = resolve_config(PrepareConfig, config, {"corpus": corpus, "source": str(source), **flags})
    if no_teacher:
        cfg = PrepareConfig(**{**cfg.__dict__, "text_model": None})
    s = prepare(cfg, run_dir, quiet=quiet)
    langs = ", ".join(f"{k} {v['utterances']}" for k, v in s["languages"].items())
    typer.echo(f"prepare: {s['utterances']} utterances ({s['hours'] * 60:.1f} min; {langs}), "
               f"{s['bad_rows']} bad rows; manifest {s['manifest']}")


# Options shared by every corpus command (Typer needs them spelled out as parameters).
TextModelOpt = typer.Option(None, "--text-model", help="NLLB model (HF id or folder) whose encoder states are "
                            f"cached for `zst distill`. (default: {DEFAULT_TEXT_MODEL})")
SentenceModelOpt = typer.Option(None, "--sentence-model", help="LaBSE-type sentence encoder (HF id or folder) "
                                "whose L2-normalised pooler embeddings of the transcripts are cached for "
                                "`zst distill --objective semantic`. (default: none)")
NoTeacherOpt = typer.Option(False, "--no-teacher", help="Skip caching teacher states (train-nll and translate "
                            "do not need them).")
MaxSecondsOpt = typer.Option(None, "--max-seconds", help="Longer utterances are skipped as bad rows, in seconds. "
                             "(default: 60)")
DeviceOpt = typer.Option(None, "--device", help="auto | cpu | cuda for the teacher. (default: auto)")
LanguagesOpt = typer.Option(None, "--languages", "-l", help="Source languages to keep, comma-separated ISO 639-1 "
                            "codes (en,fr). (default: all)")
ExcludeOpt = typer.Option(None, "--exclude", help="Source languages to leave out, e.g. ca,af. (default: none)")


def _corpus_command(corpus: str):
    def command(
        source: Path = typer.Argument(..., help="Corpus root folder."),
        split: Optional[str] = typer.Option(None, "--split", help="train | dev | test. (default: train)"),
        languages: Optional[str] = LanguagesOpt,
        exclude: Optional[str] = ExcludeOpt,
        tgt_languages: Optional[str] = typer.Option(None, "--tgt-languages", help="Translations to attach "
                                                    "(Europarl-ST, CoVoST 2), comma-separated. (default: all)"),
        keep_source_audio: bool = typer.Option(False, "--keep-source-audio", help="Point cuts into the original "
                                               "long recordings instead of writing one FLAC per segment "
                                               "(Europarl-ST)."),
        config: Optional[Path] = ConfigOpt,
        run_dir: Path = run_dir_opt(f"runs/prepare-{corpus}"),
        text_model: Optional[str] = TextModelOpt,
        sentence_model: Optional[str] = SentenceModelOpt,
        no_teacher: bool = NoTeacherOpt,
        max_seconds: Optional[float] = MaxSecondsOpt,
        device: Optional[str] = DeviceOpt,
        quiet: bool = QuietOpt,
    ):
        _run(corpus, source, config, run_dir, quiet, no_teacher, split=split, languages=languages, exclude=exclude,
             tgt_languages=tgt_languages, segment_audio=False if keep_source_audio else None,
             text_model=text_model, sentence_model=sentence_model, max_seconds=max_seconds, device=device)

    command.__doc__ = CORPUS_HELP[corpus]
    return handle_errors(command)


for _name in CORPUS_HELP:
    app.command(_name, help=CORPUS_HELP[_name])(_corpus_command(_name))


@app.command("folder")
@handle_errors
def folder(
    source: Path = typer.Argument(..., help="Folder holding the audio files."),
    tsv: Optional[Path] = typer.Option(None, "--tsv", help="TSV with header: file, text, lang "
                                       "[, id, text_<lang> translations, tgt_text + tgt_lang]."),
    languages: Optional[str] = LanguagesOpt,
    exclude: Optional[str] = ExcludeOpt,
    config: Optional[Path] = ConfigOpt,
    run_dir: Path = run_dir_opt("runs/prepare"),
    text_model: Optional[str] = TextModelOpt,
    sentence_model: Optional[str] = SentenceModelOpt,
    no_teacher: bool = NoTeacherOpt,
    max_seconds: Optional[float] = MaxSecondsOpt,
    device: Optional[str] = DeviceOpt,
    quiet: bool = QuietOpt,
):
    """A folder of audio files described by a TSV."""
    _run("folder", source, config, run_dir, quiet, no_teacher, tsv=None if tsv is None else str(tsv),
         languages=languages, exclude=exclude, text_model=text_model, sentence_model=sentence_model,
         max_seconds=max_seconds, device=device)


@app.command("mix")
@handle_errors
def mix_cmd(
    manifests: List[Path] = typer.Argument(..., help="Manifests to mix: cuts.jsonl.gz files or `zst prepare` "
                                           "run dirs."),
    alpha: Optional[float] = typer.Option(None, "--alpha", help="Temperature exponent of SAMU-XLS-R Eq. 3: "
                                          "1 keeps the natural language distribution, smaller flattens it. "
                                          "(default: 0.5)"),
    unit: Optional[str] = typer.Option(None, "--unit", help="Measure language sizes in hours | utterances. "
                                       "(default: hours)"),
    languages: Optional[str] = LanguagesOpt,
    exclude: Optional[str] = ExcludeOpt,
    seed: Optional[int] = SeedOpt,
    config: Optional[Path] = ConfigOpt,
    run_dir: Path = run_dir_opt("runs/prepare-mix"),
    quiet: bool = QuietOpt,
):
    """Mix prepared corpora with per-language up/down-sampling (temperature sampling, as ZeroST does)."""
    from zst.prepare import prepare_mix

    quiet_libraries(quiet)
    flags = {"manifests": [str(m) for m in manifests], "alpha": alpha, "unit": unit,
             "languages": _split_codes(languages), "exclude": _split_codes(exclude), "seed": seed}
    cfg = resolve_config(MixConfig, config, flags)
    s = prepare_mix(cfg, run_dir, quiet=quiet)
    rep = s["report"]
    shares = ", ".join(f"{k} {rep['after'][k]:.2f}" for k in rep["after"])
    typer.echo(f"mix: {s['utterances']} utterances ({s['hours'] * 60:.1f} min); {rep['unit']} per language "
               f"after mixing: {shares}; manifest {s['manifest']}")
