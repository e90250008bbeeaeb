"""Saying stored English in German: what ``bridge/translations/shapes.py`` costs a page.

    python bench/bench_stored_words.py [--texts 200] [--runs 30]

The jobs page lists up to 200 jobs, each with its stored last error; the recogniser
says each one in the reader's language. Measures, for texts the adapters really
write (each made by the adapters' own Words) and for texts no shape knows:
  * loading the German catalogue's shapes once per process (read from the .po),
  * per text said for the first time: median and p95 over the runs (the results are
    remembered per process, so a page repeating one failure pays once),
  * how many texts came out recognised (German differs from the English).
Prints the figures; BENCHMARKS.md "Stored words" records a run.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.words import N_, Words  # noqa: E402
from bridge.translations import shapes  # noqa: E402


def known_texts(n: int) -> list[str]:
    """Distinct texts as the adapters store them (their own msgids, filled)."""
    def made(i: int) -> Words:
        return [
            Words(N_("%(message)s — %(hint)s"),
                  message=Words(N_("cannot connect to %(url)s: %(reason)s"), url=f"http://blog{i}.example",
                                reason="the server refused the connection (is it running?)"),
                  hint=Words(N_("check the site's URL and that it is up"))),
            Words(N_("%(url)s did not answer within %(seconds)s s"), url=f"https://news{i}.example", seconds="20"),
            Words(N_("the feed %(url)s answered HTTP %(status)s"), url=f"https://feeds.example/{i}", status=503),
            Words(N_("REST: wrong credentials for %(user)r — check the username and the application password"),
                  user=f"bridge{i}"),
            Words(N_("timed out after %(seconds)s s fetching %(url)r (read %(bytes_read)s bytes)"), seconds="15",
                  url=f"https://cdn.example/photo{i}.jpg", bytes_read=81920),
        ][i % 5]
    return [str(made(i)) for i in range(n)]


def unknown_texts(n: int) -> list[str]:
    return [f"HTTP 418 from teapot {i}: the pot is short and stout; tip it over — pour it out" for i in range(n)]


def timed(texts: list[str], runs: int) -> tuple[float, float, int]:
    per_text = []
    for _ in range(runs):
        shapes.say_stored.cache_clear()  # each text said for the first time (distinct failures)
        start = time.perf_counter()
        said = [shapes.say_stored(t, "de") for t in texts]
        per_text.append((time.perf_counter() - start) / len(texts))
    changed = sum(1 for t, s in zip(texts, said, strict=True) if s != t)
    ordered = sorted(per_text)
    return statistics.median(per_text), ordered[int(len(ordered) * 0.95) - 1], changed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    start = time.perf_counter()
    loaded = shapes.catalogue("de")
    load = time.perf_counter() - start
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"catalogue: {len(loaded.exact)} texts, {len(loaded.shapes)} shapes, loaded in {load * 1000:.1f} ms (once)")
    for name, texts in (("known", known_texts(args.texts)), ("unknown", unknown_texts(args.texts))):
        median, p95, changed = timed(texts, args.runs)
        print(f"{name}: {args.texts} texts × {args.runs} runs: median {median * 1e6:.0f} µs/text, "
              f"p95 {p95 * 1e6:.0f} µs/text; page of {args.texts}: {median * args.texts * 1000:.1f} ms; "
              f"said in German: {changed}/{len(texts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
