"""bench/bench_scale.py's meter and bench/bench_table.py's reading of the other benches' output."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import bench_scale  # noqa: E402
import bench_table  # noqa: E402

WRITERS_OUT = """\
writer                        cards   ms/card   cards/s  KB/card  peak RSS MB
txt                              40      0.31      3226      2.1           80
docx                             40      0.42      2381     14.0           82
hwpx                             40      1.50       667     20.3           90
hwp                              40      7.40       135     30.1           95
docxtpl (peer)                   40     25.20        40     15.2          101
python-hwpx generic (peer)       40      3.00       333     21.0          120
docx: 0.42 ms/card vs docxtpl (peer) 25.20 ms/card → 60.0× faster
(peak RSS is the process peak so far, after each writer)
"""

BEFORE_AFTER_OUT = """\
| path | cards | old ms/card median (min–max) | new ms/card median (min–max) | new/old |
| --- | --- | ---: | ---: | ---: |
| hwp, document given | fixtures (2) | 5.097 (4.686–7.036) | 5.297 (4.721–8.064) | 1.04 |
| hwp, document given | corpus (20) | 6.000 (5.900–6.500) | 6.100 (6.000–6.900) | 1.02 |
"""


def test_writer_rows_are_read_by_name():
    ms = bench_table.writer_ms(WRITERS_OUT)
    assert ms["hwp"] == 7.40
    assert ms["python-hwpx generic (peer)"] == 3.00
    assert "docx: 0.42 ms/card vs docxtpl (peer) 25.20 ms/card → 60.0× faster" not in ms
    rows = {r.what: r.now for r in bench_table.writer_rows(ms, 40)}
    assert rows["DOCX writer vs docxtpl"] == "0.42 vs 25.20 ms, **60.0×**"
    assert rows["HWPX writer vs python-hwpx generic"] == "1.50 vs 3.00 ms, **2.0×**"
    assert rows["HWPX writer vs hwpforge"].startswith("not measured")
    with_forge = {**ms, "hwpforge from_json (peer)": 4.5}
    rows = {r.what: r.now for r in bench_table.writer_rows(with_forge, 40)}
    assert rows["HWPX writer vs hwpforge"] == "1.50 vs 4.50 ms, **3.0×**"
    # hwpforge encodes a document it is given: our writer with the document given is its match
    with_given = {**with_forge, "hwpx (document given)": 1.125}
    rows = {r.what: r.now for r in bench_table.writer_rows(with_given, 40)}
    assert rows["HWPX writer vs hwpforge"] == "1.12 vs 4.50 ms, **4.0×**"
    assert rows["HWPX writer vs python-hwpx generic"] == "1.50 vs 3.00 ms, **2.0×**"


PEERS_OUT = WRITERS_OUT + """
peers, 7 interleaved rounds, CPU ms/card median (min–max), ratio of medians (per round):
PEER docx | docxtpl (peer) | 0.450 (0.440–0.470) | 23.000 (22.100–23.900) | 51.1× (44.0–55.0)
PEER hwpx (document given) | hwpforge from_json (peer) | 0.700 (0.690–0.750) | 2.800 (2.600–3.000) | 4.0× (3.6–4.2)
"""


def test_peer_rows_come_from_the_interleaved_rounds_when_printed():
    peers = bench_table.peer_lines(PEERS_OUT)
    assert peers["docxtpl (peer)"] == ("0.450 (0.440–0.470)", "23.000 (22.100–23.900)", "51.1× (44.0–55.0)")
    rows = {r.what: r for r in bench_table.writer_rows(bench_table.writer_ms(PEERS_OUT), 40, peers)}
    assert rows["DOCX writer vs docxtpl"].now == "0.450 (0.440–0.470) vs 23.000 (22.100–23.900) ms, **51.1× (44.0–55.0)**"
    assert rows["HWPX writer vs hwpforge"].now.endswith("**4.0× (3.6–4.2)**")
    assert "interleaved CPU rounds" in rows["HWPX writer vs hwpforge"].source
    # the one-pass figures stay for the rest
    assert rows["HWPX writer vs python-hwpx generic"].now == "1.50 vs 3.00 ms, **2.0×**"
    assert bench_table.peer_lines(WRITERS_OUT) == {}


def test_before_after_cell_takes_the_new_column_of_the_corpus_row():
    assert bench_table.before_after_cell(BEFORE_AFTER_OUT, "hwp, document given", "corpus") == "6.100 (6.000–6.900)"
    assert bench_table.before_after_cell(BEFORE_AFTER_OUT, "hwpx", "corpus") is None


def test_flatness_says_flat_or_grows():
    rows = [bench_scale.Measure("check", 1000, 2.0, 100 * 1024, 0, True),
            bench_scale.Measure("check", 5000, 9.0, 120 * 1024, 0, True),
            bench_scale.Measure("import", 1000, 2.0, 500 * 1024, 0, True),
            bench_scale.Measure("import", 5000, 9.0, 2400 * 1024, 0, True),
            bench_scale.Measure("build", 1000, 2.0, 100 * 1024, 0, True),
            bench_scale.Measure("build", 5000, 9.0, 300 * 1024, 0, True)]
    check, imports, build = bench_scale.flatness(rows)
    assert check.endswith(": flat") and "1.20× for 5× the cards; 5 KB per added card" in check
    assert imports.endswith(": linear in N") and "4.80×" in imports and "; 486 KB per added card" in imports
    assert build.endswith(": sublinear") and "3.00×" in build


def test_meter_sees_the_peak_of_a_child_process():
    """A child of the metered process that holds 80 MiB: the largest process peak is ≥ 80 MiB."""
    grandchild = "b = bytearray(80 * 2**20); import time; time.sleep(0.3)"
    command = [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}])"]
    wall, peak_kb, tree_kb, ok = bench_scale.meter(command)
    assert ok and wall >= 0.3
    assert peak_kb >= 80 * 1024
    assert tree_kb >= 80 * 1024
    assert not bench_scale.meter([sys.executable, "-c", "raise SystemExit(3)"])[3]


WRITES_OUT = """\
5000 files × 8192 B, 5 interleaved rounds
way         median s     min–max s  vs atomic   per round: median (min–max)
plain          0.605  0.561–0.738       0.22×             0.22× (0.20–0.25)
atomic         2.838  2.382–3.281       1.00×             1.00× (1.00–1.00)
batch-64       1.520  1.455–1.753       0.54×             0.53× (0.52–0.61)
batch-512      1.391  1.285–1.411       0.49×             0.50× (0.43–0.58)
"""


def test_writes_row_compares_grouped_with_one_fsync_per_file():
    row = bench_table.writes_row(WRITES_OUT)
    assert row.now == ("1.52 s in calls of 64 (0.53× (0.52–0.61)); 1.39 s in calls of 512 (0.50× (0.43–0.58)) "
                       "vs 2.84 s one fsync per file (plain 0.60 s)")
    assert bench_table.writes_row("").now == "not measured"
    only_64 = "\n".join(line for line in WRITES_OUT.splitlines() if not line.startswith("batch-512"))
    assert bench_table.writes_row(only_64).now.startswith("1.52 s in calls of 64 (0.53× (0.52–0.61)) vs 2.84 s")


def test_extra_rows_say_what_was_not_measured():
    hwp = bench_scale.Measure("import-hwp", 1000, 18.25, 150 * 1024, 0, True)
    rows = {r.what: r.now for r in bench_table.extra_rows([hwp], 2)}
    assert rows["import 1,000 .hwp cards"] == "18.2 s (`-j 2`, 150 MiB)"
    assert rows["package with PDF, 1,000 cards"] == "not measured (--no-pdf-step)"
    pdf = bench_scale.Measure("package-pdf", 1000, 47.04, 300 * 1024, 0, False)
    rows = {r.what: r.now for r in bench_table.extra_rows([pdf], 2)}
    assert rows["import 1,000 .hwp cards"] == "—" and rows["package with PDF, 1,000 cards"] == "failed"
    big = bench_scale.Measure("import-hwp", 5000, 70.0, 121 * 1024, 0, True)
    rows = {r.what: r.now for r in bench_table.extra_rows([hwp, big], 2)}
    assert rows["`import` every card at once into a new workbook (.hwp, `-j 2`), 1,000 / 5,000 cards, largest process"] \
        == "150 MiB / 121 MiB"
    assert rows["import 1,000 .hwp cards"] == "18.2 s (`-j 2`, 150 MiB)"
