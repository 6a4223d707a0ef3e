"""Content review scanning: ``Scanner.scan`` throughput against a pyahocorasick scan of the same text and terms.

Run as ``python -m bench.review [--mb 20] [--terms 20000] [--repeat 3]``; prints one JSON line (the last
line of stdout). No database: the scanner is pure Python over Hyperscan. The process is pinned to one core.

- Text: generated bureau documents (``bench.corpus``: title, document number, summary, body as plain
  text), about ``--mb`` MB of UTF-8. "dense" is the same text with, every ~200 characters, a valid resident
  ID number, a mobile number and a dictionary term inserted (three findings per ~240 characters).
- Dictionary: the default terms plus distinct 2–6 character words of jieba's dictionary, leaving out the
  words the corpus generator itself draws from (its 30,000 most frequent 2–4 character words and the
  bureau vocabulary): a review dictionary lists what should *not* be in a document, so a clean text meets
  its entries mostly where adjacent words happen to spell one. ``--dictionary random`` (the default) is a
  seeded uniform sample of those words; ``--dictionary frequent`` takes the most frequent of them, which
  puts about four times as many findings in the same text (the heavier case).
- Ours: ``Scanner(terms).scan(text)`` — dictionary (Hyperscan, leftmost-longest, str offsets) and every
  personal-data detector, returning ``Finding`` objects. Also the two halves alone.
- Baseline: a pyahocorasick automaton of the same (lower-cased) terms, built beforehand; ``iter`` over
  every match of the lower-cased text, the same leftmost-longest choice in Python, ``Finding`` objects,
  plus the same personal-data detectors. (``iter_long`` is not used: it misses matches in pyahocorasick
  2.x, upstream issues #185/#189.) The baseline's findings are checked equal to ours (scanner without
  exceptions, which the baseline does not have).
- Medians of ``--repeat`` runs; compile is the one-off ``Scanner(terms)``, also a median. Figures are
  MB of UTF-8 per second of the process's CPU time (single-threaded and pinned to one core, that is the
  throughput of one core; the development machines are shared, so wall-clock time measures the
  neighbours too); the wall-clock scan rate and the load average are printed alongside.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import statistics
import time

from bench.corpus import ADMIN, FIELD, PLACES, Corpus

_TAG = re.compile(r"<[^>]+>")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
SEVERITY_OF = {"forbidden": "blocking", "sensitive": "warning", "wrong": "warning", "outdated": "warning"}


def corpus_text(megabytes: float) -> str:
    corpus, parts, size, n = Corpus(), [], 0, 0
    while size < megabytes * 1e6:
        doc = corpus.doc(n)
        part = f"{doc.title}\n{doc.document_number}\n{doc.summary}\n{_TAG.sub(chr(10), doc.body)}\n"
        parts.append(part)
        size += len(part.encode())
        n += 1
    return "".join(parts)


def dictionary(count: int, kind: str = "random") -> list:
    import jieba

    from bench.corpus import _general_words
    from gongkai.review.default_terms import DEFAULT_TERMS
    from gongkai.review.scanner import Term

    generated = set(_general_words()[0]) | set(FIELD) | set(ADMIN) | set(PLACES)
    with jieba.get_dict_file() as handle:
        rows = []
        for line in handle:
            word, freq, *_ = line.decode("utf-8").split()
            if 2 <= len(word) <= 6 and _CJK.fullmatch(word) and word not in generated:
                rows.append((-int(freq), word))
    rows.sort()
    if kind == "random":
        random.Random(20261126).shuffle(rows)
    terms = list(DEFAULT_TERMS)
    known = {t.text for t in terms}
    categories = list(SEVERITY_OF)
    for _freq, word in rows:
        if len(terms) >= count:
            break
        if word not in known:
            category = categories[len(terms) % len(categories)]
            terms.append(Term(word, category, SEVERITY_OF[category], ""))
            known.add(word)
    return terms


def _id_number(rnd: random.Random) -> str:
    from gongkai.review.detectors import id_check_character

    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rnd.randint(0, 25_000))
    first17 = (
        f"{rnd.choice([11, 14, 31, 44, 61])}07{rnd.randint(1, 30):02d}{born:%Y%m%d}{rnd.randint(0, 999):03d}"
    )
    return first17 + id_check_character(first17)


def dense_text(text: str, terms: list, every: int = 200) -> tuple[str, int]:
    """``text`` with an ID, a mobile number and a term inserted every ``every`` characters."""
    rnd = random.Random(4)
    words = [t.text for t in terms]
    pieces, inserted = [], 0
    for start in range(0, len(text), every):
        pieces.append(text[start : start + every])
        phone = f"1{rnd.randint(3, 9)}{rnd.randint(0, 999_999_999):09d}"
        pieces.append(f",身份证号{_id_number(rnd)},电话{phone},{rnd.choice(words)},")
        inserted += 1
    return "".join(pieces), inserted


class Timing:
    """Medians of wall-clock and CPU seconds over the runs of one measurement."""

    def __init__(self, function, repeat: int):
        walls, cpus = [], []
        for _ in range(repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            self.result = function()
            cpus.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - wall)
        self.wall, self.cpu = statistics.median(walls), statistics.median(cpus)


class AhoCorasickScan:
    """The baseline: the same findings from a pyahocorasick automaton."""

    def __init__(self, terms: list):
        import ahocorasick

        self.automaton = ahocorasick.Automaton()
        self.terms = {}
        for term in terms:  # last wins, as in Scanner
            self.terms[term.text.lower()] = term
        for pid, key in enumerate(self.terms):
            self.automaton.add_word(key, (pid, len(key)))
        self.automaton.make_automaton()
        self.by_pid = list(self.terms.values())

    def scan(self, text: str) -> list:
        from gongkai.review.scanner import Finding, scan_personal_data

        lowered = text.lower()
        assert len(lowered) == len(text)
        candidates = [(end + 1 - length, end + 1, pid) for end, (pid, length) in self.automaton.iter(lowered)]
        candidates.sort(key=lambda c: (c[0], -c[1]))
        findings, reached = [], 0
        for start, end, pid in candidates:
            if start >= reached:
                term = self.by_pid[pid]
                findings.append(
                    Finding(
                        term.category,
                        term.severity,
                        start,
                        end,
                        text[start:end],
                        term.suggestion,
                        "dictionary",
                    )
                )
                reached = end
        findings += scan_personal_data(text)
        findings.sort(key=lambda f: (f.start, f.end, f.detector))
        return findings


def run(megabytes: float, term_count: int, repeat: int, kind: str = "random") -> dict:
    from gongkai.review.scanner import Scanner, scan_personal_data

    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # one core
    text = corpus_text(megabytes)
    terms = dictionary(term_count, kind)
    dense, inserted = dense_text(text, terms)
    size, dense_size = len(text.encode()) / 1e6, len(dense.encode()) / 1e6

    compiling = Timing(lambda: Scanner(terms), repeat)
    scanner = compiling.result
    scanner.scan(text[:100_000])  # warm-up: scratch space, first pages
    scan = Timing(lambda: scanner.scan(text), repeat)
    terms_only = Timing(lambda: scanner.scan_terms(text), repeat)
    personal_only = Timing(lambda: scan_personal_data(text), repeat)
    dense_scan = Timing(lambda: scanner.scan(dense), repeat)

    building = Timing(lambda: AhoCorasickScan(terms), 1)
    baseline = building.result
    baseline_scan = Timing(lambda: baseline.scan(text), repeat)
    baseline_dense = Timing(lambda: baseline.scan(dense), repeat)

    plain = Scanner(terms, exceptions={})  # the baseline knows no exceptions
    same = plain.scan(text) == baseline_scan.result and plain.scan(dense) == baseline_dense.result
    kinds = {name: sum(f.detector == name for f in dense_scan.result) for name in ("id_card", "mobile")}
    injected_found = kinds["id_card"] >= inserted and kinds["mobile"] >= inserted
    found, dense_found = scan.result, dense_scan.result

    print(
        f"text {size:.1f} MB ({len(text):,} chars), dense {dense_size:.1f} MB, {len(scanner):,} terms; "
        f"findings {len(found):,} (dense {len(dense_found):,}, ids {kinds['id_card']:,}, mobiles "
        f"{kinds['mobile']:,} for {inserted:,} inserted); wall-clock MB/s: scan {size / scan.wall:.1f}, "
        f"dense {dense_size / dense_scan.wall:.1f}, pyahocorasick {size / baseline_scan.wall:.1f}, "
        f"dense {dense_size / baseline_dense.wall:.1f}; CPU MB/s: dictionary alone "
        f"{size / terms_only.cpu:.0f}, personal data alone {size / personal_only.cpu:.0f}; "
        f"pyahocorasick build {building.cpu:.2f} s; load average {os.getloadavg()[0]:.1f}"
    )
    rate = size / scan.cpu
    return {
        "benchmark": "review scanning",
        "config": f"{size:.0f} MB, {len(scanner):,} terms ({kind}), {repeat} runs, 1 core, CPU time",
        "figures": {
            "scan MB/s": round(rate, 1),
            "dense MB/s": round(dense_size / dense_scan.cpu, 1),
            "pyahocorasick MB/s": round(size / baseline_scan.cpu, 1),
            "pyahocorasick dense MB/s": round(dense_size / baseline_dense.cpu, 1),
            "compile s": round(compiling.cpu, 2),
            "scan MB/s wall": round(size / scan.wall, 1),
            "findings/MB": round(len(found) / size),
            "dense findings/MB": round(len(dense_found) / dense_size),
            "same findings": same,
            "injected found": injected_found,
        },
        "target": "≥ 100 MB/s (scan with detectors, one core)",
        "met": rate >= 100 and same and injected_found,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=20.0, help="size of the generated text, MB of UTF-8")
    parser.add_argument("--terms", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dictionary", choices=["random", "frequent"], default="random")
    args = parser.parse_args()
    print(json.dumps(run(args.mb, args.terms, args.repeat, args.dictionary), ensure_ascii=False))


if __name__ == "__main__":
    main()
