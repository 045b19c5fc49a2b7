"""Build the mini-world corpus: parallel text, espeak-ng speech, and the real corpora's layouts.

    python examples/miniworld/build.py --out data/miniworld          # everything, ~10 min on 2 cores

Stages (each resumable: a finished stage leaves a marker in ``OUT/.done/`` and is skipped when the
command is run again; ``--force`` rebuilds):

1. ``text``: :func:`grammar.corpus.make_tuples` draws ``--tuples`` distinct meanings (default 6000),
   renders them in 13 languages and assigns disjoint splits. Writes ``text/tuples.jsonl`` (one tuple
   per line: id, split, frame key, text and espeak reading per language) and ``text/{split}.tsv``
   (``id`` + one column per language).
2. ``speech-<lang>`` (one per language, run in ``--jobs`` processes): the first ``--spoken`` tuples
   (all dev and test tuples, then train) are spoken by the language's speakers (held-out speakers
   in dev/test, see :mod:`speech`); the recordings are written into every corpus layout that has
   the language:

   ==============  ======================================  ========================  =============
   corpus          layout (``OUT/<corpus>/``)               languages                 tuples/split
   ==============  ======================================  ========================  =============
   europarl-st     ``{src}/audios/*.m4a`` + ``{src}/{tgt}``  en fr de es it pt pl ro nl all spoken
   fleurs          ``{lang}/audio/{split}/*.wav``           all 13                    400/100/300
   commonvoice     ``{locale}/clips/*.mp3`` + covost TSVs   all 13                    800/100/300
   voxpopuli       ``transcribed_data/{lang}/...ogg``       en de fr es pl it ro nl   400/50/100
   mls             ``mls_{language}/{split}/...flac``       en de nl fr es it pt pl   400/50/100
   ==============  ======================================  ========================  =============

   A FLEURS sentence id has a second recording (another speaker) for one train tuple in ten, as
   in FLEURS. CoVoST 2 TSVs go X→en for every language and en→{de, ca, zh, ja}.
3. ``stats``: ``stats.json`` and ``stats.md`` (hours, utterances, disk per corpus and language).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
import zlib
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))  # the zst checkout, when not installed

from grammar import EUROPARL_LANGUAGES, LANGUAGES  # noqa: E402
from grammar.corpus import SPLITS, make_tuples  # noqa: E402
from speech import make_speakers, speak  # noqa: E402

#: corpus -> (languages, {split: tuples}); ``None`` tuples = every spoken tuple of the split.
CORPORA: dict[str, tuple[tuple[str, ...], dict[str, int | None]]] = {
    "europarl-st": (EUROPARL_LANGUAGES, {"train": None, "dev": None, "test": None}),
    "fleurs": (LANGUAGES, {"train": 400, "dev": 100, "test": 300}),
    "commonvoice": (LANGUAGES, {"train": 800, "dev": 100, "test": 300}),
    "voxpopuli": (("en", "de", "fr", "es", "pl", "it", "ro", "nl"), {"train": 400, "dev": 50, "test": 100}),
    "mls": (("en", "de", "nl", "fr", "es", "it", "pt", "pl"), {"train": 400, "dev": 50, "test": 100}),
}
COVOST_EN_TARGETS = ("de", "ca", "zh", "ja")
SEGMENTS_PER_SPEECH = 10
FLEURS_SECOND_RECORDING_EVERY = 10


def _seed(*parts) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


# ------------------------------------------------------------------------------------------------
# stage 1: text


def build_text(out: Path, n_tuples: int, seed: int, n_dev: int = 200, n_test: int = 300) -> None:
    tuples = make_tuples(n_tuples, seed=seed, n_dev=n_dev, n_test=n_test)
    text_dir = out / "text"
    text_dir.mkdir(parents=True, exist_ok=True)
    with open(text_dir / "tuples.jsonl.tmp", "w", encoding="utf-8") as f:
        for t in tuples:
            f.write(json.dumps({"id": t.pid, "split": t.split, "kind": t.frame.kind, "frame": t.frame.key(),
                                "text": {k: r.text for k, r in t.texts.items()},
                                "speech": {k: r.speech for k, r in t.texts.items() if r.speech != r.text}},
                               ensure_ascii=False) + "\n")
    os.replace(text_dir / "tuples.jsonl.tmp", text_dir / "tuples.jsonl")
    for split in SPLITS:
        rows = ["\t".join(["id", *LANGUAGES])]
        rows += ["\t".join([t.pid, *(t.text(lang) for lang in LANGUAGES)]) for t in tuples if t.split == split]
        (text_dir / f"{split}.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def load_tuples(out: Path) -> list[dict]:
    with open(out / "text" / "tuples.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def spoken_tuples(tuples: list[dict], n_spoken: int) -> list[dict]:
    """All dev and test tuples, then train tuples in id order, ``n_spoken`` in all."""
    held = [t for t in tuples if t["split"] != "train"]
    train = [t for t in tuples if t["split"] == "train"]
    return held + train[: max(0, n_spoken - len(held))]


def corpus_selection(spoken: list[dict], corpus: str, seed: int) -> dict[str, list[dict]]:
    """The tuples of each split that ``corpus`` holds (a seeded sample of the spoken ones)."""
    _, sizes = CORPORA[corpus]
    out = {}
    for split in SPLITS:
        pool = [t for t in spoken if t["split"] == split]
        n = sizes[split]
        if n is not None and n < len(pool):
            pool = random.Random(_seed(corpus, split, seed)).sample(pool, n)
            pool.sort(key=lambda t: t["id"])
        out[split] = pool
    return out


def speeches(spoken: list[dict]) -> dict[str, list[dict]]:
    """Europarl-style speeches: the spoken tuples of each split, in id order, ten per speech. The
    speech ids are the same in every language (so segments join across source languages)."""
    out = {}
    for split in SPLITS:
        pool = [t for t in spoken if t["split"] == split]
        for k in range(0, len(pool), SEGMENTS_PER_SPEECH):
            out[f"{split}-{k // SEGMENTS_PER_SPEECH:04d}"] = pool[k:k + SEGMENTS_PER_SPEECH]
    return out


# ------------------------------------------------------------------------------------------------
# stage 2: speech + layouts, one language per task


def build_language(out: str, lang: str, n_spoken: int, seed: int, progress_queue=None) -> dict:
    """Speak every spoken tuple in ``lang`` and write all layouts that have ``lang``."""
    from zst.testing.layouts import Utterance
    from zst.testing.layouts.common_voice import write_common_voice
    from zst.testing.layouts.europarl_st import write_europarl_st
    from zst.testing.layouts.fleurs import write_fleurs
    from zst.testing.layouts.mls import write_mls
    from zst.testing.layouts.voxpopuli import write_voxpopuli

    out = Path(out)
    tuples = load_tuples(out)
    spoken = spoken_tuples(tuples, n_spoken)
    by_id = {t["id"]: t for t in spoken}
    translations = {pid: t["text"] for pid, t in by_id.items()}
    speakers = make_speakers(lang, seed)
    t0 = time.time()

    def utterance(t: dict, speaker, uid: str | None = None) -> Utterance:
        reading = t.get("speech", {}).get(lang, t["text"][lang])
        audio = speak(reading, speaker, seed=seed)
        if progress_queue is not None:
            progress_queue.put(1)
        return Utterance(uid=uid or t["id"], parallel_id=t["id"], lang=lang, split=t["split"], text=t["text"][lang],
                         speaker=speaker.id, gender=speaker.gender, audio=audio)

    # one primary recording per tuple: the speaker of its Europarl speech
    primary: dict[str, Utterance] = {}
    by_speech: dict[str, list[Utterance]] = {}
    for sid, members in speeches(spoken).items():
        split = members[0]["split"]
        pool = speakers[split]
        spk = pool[_seed(sid, lang, seed) % len(pool)]
        by_speech[sid] = [utterance(t, spk) for t in members]
        for u in by_speech[sid]:
            primary[u.parallel_id] = u
    stats = {"lang": lang, "utterances": len(primary), "seconds": sum(u.duration for u in primary.values())}

    def select(corpus: str) -> list[Utterance]:
        sel = corpus_selection(spoken, corpus, seed)
        return [primary[t["id"]] for split in SPLITS for t in sel[split]]

    if lang in CORPORA["europarl-st"][0]:
        write_europarl_st(out / "europarl-st", lang, by_speech, translations,
                          tgt_langs=tuple(x for x in EUROPARL_LANGUAGES if x != lang))
    fleurs = select("fleurs")
    extra = []
    for i, u in enumerate(fleurs):
        if u.split == "train" and i % FLEURS_SECOND_RECORDING_EVERY == 0:
            pool = [s for s in speakers["train"] if s.id != u.speaker]
            extra.append(utterance(by_id[u.parallel_id], pool[_seed(u.parallel_id, lang, "r2") % len(pool)], uid=f"{u.uid}_r2"))
    write_fleurs(out / "fleurs", lang, fleurs + extra,
                 sentence_ids={u.parallel_id: int(u.parallel_id[1:]) for u in fleurs})
    covost_targets = ("en",) if lang != "en" else COVOST_EN_TARGETS
    write_common_voice(out / "commonvoice", lang, select("commonvoice"), covost_targets=covost_targets,
                       translations=translations)
    if lang in CORPORA["voxpopuli"][0]:
        write_voxpopuli(out / "voxpopuli", lang, select("voxpopuli"))
    if lang in CORPORA["mls"][0]:
        write_mls(out / "mls", lang, select("mls"))
    stats["build_seconds"] = time.time() - t0
    return stats


# ------------------------------------------------------------------------------------------------
# stage 3: stats


def _disk(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build_stats(out: Path) -> dict:
    """Hours and utterances per corpus and language, read back through zst's own readers."""
    from zst.data.corpora import ReadOptions, get_reader

    stats: dict = {"corpora": {}, "text": {}}
    tuples = load_tuples(out)
    stats["text"] = {split: sum(t["split"] == split for t in tuples) for split in SPLITS}
    for corpus in CORPORA:
        root = out / corpus
        per_lang: dict = defaultdict(dict)
        for split in SPLITS:
            cuts, bad = get_reader(corpus)(root, ReadOptions(split=split))
            for c in cuts:
                lang = c.supervisions[0].language
                d = per_lang[lang].setdefault(split, {"utterances": 0, "hours": 0.0})
                d["utterances"] += 1
                d["hours"] += c.duration / 3600
            if bad:
                stats.setdefault("bad_rows", {})[f"{corpus}/{split}"] = len(bad)
        stats["corpora"][corpus] = {"disk_mb": _disk(root) / 1e6, "languages": dict(per_lang)}
    return stats


def stats_markdown(stats: dict) -> str:
    lines = ["| corpus | disk (MB) | languages | utterances per language (train/dev/test) | hours per language |",
             "|---|---:|---|---|---:|"]
    for corpus, c in stats["corpora"].items():
        langs = sorted(c["languages"])
        if not langs:
            continue
        first = c["languages"][langs[0]]
        counts = "/".join(str(first.get(s, {}).get("utterances", 0)) for s in SPLITS)
        hours = [sum(v["hours"] for v in c["languages"][lang].values()) for lang in langs]
        lines.append(f"| {corpus} | {c['disk_mb']:.0f} | {' '.join(langs)} | {counts} | "
                     f"{min(hours):.2f}-{max(hours):.2f} |")
    t = stats["text"]
    lines.append("")
    lines.append(f"Parallel text: {sum(t.values())} tuples in 13 languages "
                 f"(train {t['train']}, dev {t['dev']}, test {t['test']}).")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("data/miniworld"), help="output folder (default: data/miniworld)")
    ap.add_argument("--tuples", type=int, default=6000, help="parallel sentence tuples (default: 6000)")
    ap.add_argument("--dev", type=int, default=200, help="dev tuples (default: 200)")
    ap.add_argument("--test", type=int, default=300, help="test tuples (default: 300)")
    ap.add_argument("--spoken", type=int, default=2000, help="tuples spoken in every language (default: 2000)")
    ap.add_argument("--languages", default=",".join(LANGUAGES), help="languages to speak (default: all 13)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel processes (default: all cores)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="rebuild finished stages")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    from zst.progress import add_task, progress

    out: Path = args.out
    done = out / ".done"
    if args.force and done.exists():
        shutil.rmtree(done)
    done.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))  # noqa: E731

    if not (done / "text").exists():
        build_text(out, args.tuples, args.seed, args.dev, args.test)
        (done / "text").touch()
        log(f"text: {args.tuples} tuples -> {out / 'text'} ({time.time() - t0:.0f} s)")
    langs = [x for x in args.languages.split(",") if x]
    todo = [lang for lang in langs if not (done / f"speech-{lang}").exists()]
    if todo:
        import multiprocessing as mp

        n_spoken = len(spoken_tuples(load_tuples(out), args.spoken))
        per_lang = n_spoken + n_spoken // 40  # + FLEURS second recordings (approx.)
        manager = mp.Manager()
        queue = manager.Queue()
        with progress(args.quiet) as bar, ProcessPoolExecutor(max_workers=args.jobs) as pool:
            task = add_task(bar, "speech", total=per_lang * len(todo))
            futures = {pool.submit(build_language, str(out), lang, args.spoken, args.seed, queue): lang
                       for lang in todo}
            pending = set(futures)
            while pending:
                while not queue.empty():
                    bar.advance(task, queue.get())
                finished = [f for f in pending if f.done()]
                for f in finished:
                    pending.discard(f)
                    s = f.result()  # re-raises a worker's error
                    (done / f"speech-{s['lang']}").touch()
                    bar.update(task, info=f"{s['lang']} done ({s['utterances']} utts, {s['seconds'] / 3600:.2f} h, "
                                          f"{s['build_seconds']:.0f} s)")
                time.sleep(0.2)
            bar.update(task, completed=bar.tasks[task].total)
        log(f"speech: {len(todo)} languages ({time.time() - t0:.0f} s)")
    stats = build_stats(out)
    stats["build_seconds"] = time.time() - t0
    (out / "stats.json").write_text(json.dumps(stats, indent=1) + "\n")
    (out / "stats.md").write_text(stats_markdown(stats))
    log(stats_markdown(stats))
    log(f"mini-world ready in {out} ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
