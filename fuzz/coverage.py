"""Which Rust code the atheris corpus reaches: edges covered per source file.

    target/fuzz-venv/bin/python fuzz/coverage.py [--lines=time.rs ...] [CORPUS_DIR ...]

Runs every input of the corpus once through fuzz/convert_fuzz.py's
TestOneInput (without libFuzzer's driver), reading the instrumented module's
inline 8-bit counters after each input, and maps each counter to its PC
(the sancov PC table, read from memory, relocated) and each PC to its source
file with llvm-symbolizer. Prints covered/instrumented edges per file of
rselect's crates and the totals, for fuzz/README.md.
"""

from __future__ import annotations

import collections
import ctypes
import os
import struct
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import convert_fuzz as harness


def sections(path: str) -> dict[str, tuple[int, int]]:
    """ELF64 little-endian section name -> (address, size)."""
    data = Path(path).read_bytes()
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab = headers[shstrndx][4]
    out = {}
    for h in headers:
        name_end = data.index(b"\0", strtab + h[0])
        out[data[strtab + h[0] : name_end].decode()] = (h[3], h[5])
    return out


def main(argv: list[str]) -> int:
    show = [a.split("=", 1)[1] for a in argv if a.startswith("--lines=")]
    argv = [a for a in argv if not a.startswith("--lines=")]
    corpora = [Path(p) for p in argv] or [Path("target/fuzz/corpus")]
    so = harness.rselect._rselect.__file__
    base = None
    with open("/proc/self/maps") as maps:
        for line in maps:
            if line.rstrip().endswith(so) and " 00000000 " in line:
                base = int(line.split("-")[0], 16)
                break
    assert base is not None, "instrumented module not mapped"
    secs = sections(so)
    cntrs_addr, n = secs["__sancov_cntrs"]
    pcs_addr, pcs_size = secs["__sancov_pcs"]
    assert pcs_size == 16 * n, (pcs_size, n)
    counters = (ctypes.c_uint8 * n).from_address(base + cntrs_addr)
    table = (ctypes.c_uint64 * (2 * n)).from_address(base + pcs_addr)
    pcs = [table[2 * i] - base for i in range(n)]

    inputs = sorted(p for c in corpora for p in c.iterdir() if p.is_file())
    covered = bytearray(n)
    for path in inputs:
        ctypes.memset(counters, 0, n)
        try:
            harness.TestOneInput(path.read_bytes())
        except harness.DivergenceError:
            pass
        hit = bytes(counters)
        for i in range(n):
            if hit[i]:
                covered[i] = 1

    sym = subprocess.run(
        ["llvm-symbolizer", f"--obj={so}", "--functions=none"],
        input="\n".join(hex(pc) for pc in pcs),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n\n")
    per_file: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    lines: dict[str, dict[int, int]] = collections.defaultdict(dict)
    for i, entry in enumerate(sym[:n]):
        parts = entry.strip().split(":")
        loc = parts[0] or "??"
        if any(loc.endswith(f) for f in show) and len(parts) > 1 and parts[1].isdigit():
            line = int(parts[1])
            lines[loc][line] = max(lines[loc].get(line, 0), covered[i])
        if "/crates/" in loc:
            key = loc[loc.index("/crates/") + 1 :]
        elif "/pyo3" in loc:
            key = "(pyo3)"
        else:
            key = "(other)"
        per_file[key][0] += covered[i]
        per_file[key][1] += 1
    print(f"{len(inputs)} inputs; {sum(covered)} of {n} instrumented edges reached")
    print(f"{'file':45s} {'edges':>13s} {'%':>5s}")
    for key in sorted(per_file):
        c, t = per_file[key]
        print(f"{key:45s} {c:6d}/{t:<6d} {100 * c / t:5.1f}")
    for loc, by_line in sorted(lines.items()):
        missed = sorted(ln for ln, c in by_line.items() if not c)
        print(f"{loc}: lines with an edge never reached: {missed}")
    sys.stdout.flush()
    os._exit(0)  # skip the interpreter's teardown of the pool


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
