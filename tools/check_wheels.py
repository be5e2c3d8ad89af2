"""The release set in dist/, checked file by file without installing anything.

    .venv/bin/python tools/check_wheels.py [--dist DIR] --expect "PLATFORM TAG" ...
        [--versions X.Y ...]     (default: 3.10 to 3.15, the whole set)

`scripts/check-wheels.sh` runs it with the set `scripts/build-wheels.sh --list`
prints; running the wheels (wine, qemu, fresh venvs) is that script's part.
Fails unless every check passes:

- the set: exactly one wheel per platform tag and CPython version (of
  --versions; wheels of the others of 3.10-3.15 are checked if there), the
  sdist, nothing else named rselect-* (a stray abi3 or testing wheel would
  ship);
- per wheel: the version of Cargo.toml; WHEEL's tags match the file name
  and it is not purelib; METADATA's Requires-Python, the classifiers of every
  version and platform, a Markdown readme; the files a user needs (the
  package, its stubs and py.typed, the startup hook's .pth as purelib data)
  and exactly one extension module, named for that interpreter and platform
  (what CPython's import looks for there); never the test-only `_testing`
  submodule;
- Linux: `auditwheel show --json` gives exactly the tag of the file name as
  the wheel's policy and no external library; glibc symbol versions no newer
  than 2.17;
- Windows: the DLLs the .pyd imports are Windows' own and its CPython's
  (pythonXY.dll): no MinGW runtime DLL that a user's machine lacks;
- `twine check --strict` over the set (PyPI's rendering of the readme).
Prints each file with its tag and size.
"""

import argparse
import email
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]
CLASSIFIERS = [f"Programming Language :: Python :: {v}" for v in VERSIONS] + [
    "Operating System :: POSIX :: Linux",
    "Operating System :: Microsoft :: Windows",
    "Operating System :: MacOS",
]
# What every Windows 10 has, and what Rust's windows-gnu std imports.
WINDOWS_DLLS = {
    "kernel32.dll",
    "ntdll.dll",
    "msvcrt.dll",
    "ws2_32.dll",
    "advapi32.dll",
    "userenv.dll",
    "bcryptprimitives.dll",
}
NAME = re.compile(r"rselect-(?P<version>[^-]+)-(?P<py>cp3\d+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl")


class Failures:
    def __init__(self) -> None:
        self.items: list[str] = []

    def check(self, cond: bool, what: str) -> bool:
        if not cond:
            self.items.append(what)
        return cond


def workspace_version() -> str:
    with open(ROOT / "Cargo.toml", "rb") as f:
        return tomllib.load(f)["workspace"]["package"]["version"]


def extension_name(tag: str, py: str) -> str:
    """The file name CPython's import machinery looks for on that platform."""
    if tag == "win_amd64":
        return f"_rselect.{py}-win_amd64.pyd"
    arch = "aarch64" if tag.endswith("aarch64") else "x86_64"
    # CPython on musl says "linux-musl" in its suffixes from 3.11 on
    # (bpo-43112); 3.10 on Alpine still looks for "linux-gnu".
    libc = "musl" if tag.startswith("musllinux") and py != "cp310" else "gnu"
    return f"_rselect.cpython-{py[2:]}-{arch}-linux-{libc}.so"


def check_auditwheel(whl: Path, tag: str, fail: Failures) -> None:
    out = subprocess.run(
        [str(Path(sys.executable).parent / "auditwheel"), "show", "--json", str(whl)],
        capture_output=True,
        text=True,
    )
    if not fail.check(out.returncode == 0, f"{whl.name}: auditwheel show: {out.stderr.strip()}"):
        return
    report = json.loads(out.stdout)
    fail.check(
        report["overall_tag"] == tag,
        f"{whl.name}: auditwheel's policy is {report['overall_tag']}, not {tag}",
    )
    fail.check(
        report["external_libs"] == {},
        f"{whl.name}: external libraries {report['external_libs']}",
    )
    for lib, versions in report["versioned_symbols"].items():
        for v in versions:
            m = re.fullmatch(r"GLIBC_2\.(\d+)", v)
            fail.check(
                m is None or int(m.group(1)) <= 17,
                f"{whl.name}: {lib} symbol version {v} is newer than glibc 2.17",
            )


def check_pe_imports(whl: Path, member: str, py: str, fail: Failures, tmp: Path) -> None:
    with zipfile.ZipFile(whl) as z:
        path = tmp / Path(member).name
        path.write_bytes(z.read(member))
    out = subprocess.run(
        ["x86_64-w64-mingw32-objdump", "-p", str(path)], capture_output=True, text=True
    )
    if not fail.check(out.returncode == 0, f"{whl.name}: objdump -p: {out.stderr.strip()}"):
        return
    dlls = {m.lower() for m in re.findall(r"DLL Name: (\S+)", out.stdout)}
    python_dll = f"python{py[2:]}.dll"
    fail.check(python_dll in dlls, f"{whl.name}: does not import {python_dll}")
    other = {d for d in dlls - WINDOWS_DLLS - {python_dll} if not d.startswith("api-ms-win-")}
    fail.check(not other, f"{whl.name}: imports DLLs a Windows machine lacks: {sorted(other)}")


def check_wheel(whl: Path, tag: str, py: str, version: str, fail: Failures, tmp: Path) -> None:
    name = NAME.fullmatch(whl.name)
    assert name is not None
    fail.check(name["version"] == version, f"{whl.name}: not version {version}")
    fail.check(name["abi"] == py, f"{whl.name}: ABI tag {name['abi']}, not {py}")
    dist_info = f"rselect-{name['version']}.dist-info"
    with zipfile.ZipFile(whl) as z:
        names = set(z.namelist())
        wheel_meta = email.message_from_bytes(z.read(f"{dist_info}/WHEEL"))
        meta = email.message_from_bytes(z.read(f"{dist_info}/METADATA"))
    file_tags = {f"{py}-{py}-{p}" for p in name["plat"].split(".")}
    fail.check(
        set(wheel_meta.get_all("Tag") or []) == file_tags,
        f"{whl.name}: WHEEL tags {wheel_meta.get_all('Tag')} differ from the file name",
    )
    fail.check(wheel_meta["Root-Is-Purelib"] == "false", f"{whl.name}: marked purelib")
    fail.check(meta["Name"] == "rselect" and meta["Version"] == version, f"{whl.name}: METADATA")
    fail.check(meta["Requires-Python"] == ">=3.10", f"{whl.name}: Requires-Python")
    fail.check(
        meta["Description-Content-Type"].startswith("text/markdown")
        and len(meta.get_payload()) > 1000,
        f"{whl.name}: no Markdown readme in METADATA",
    )
    missing = [c for c in CLASSIFIERS if c not in (meta.get_all("Classifier") or [])]
    fail.check(not missing, f"{whl.name}: classifiers missing: {missing}")
    for f in [
        "rselect/__init__.py",
        "rselect/selectors.py",
        "rselect/py.typed",
        "rselect/_rselect.pyi",
        "rselect/selectors.pyi",
        f"rselect-{version}.data/purelib/rselect-startup.pth",
    ]:
        fail.check(f in names, f"{whl.name}: no {f}")
    ext = [n for n in names if re.fullmatch(r"rselect/_rselect\..*\.(so|pyd)", n)]
    expected = f"rselect/{extension_name(tag, py)}"
    fail.check(ext == [expected], f"{whl.name}: extension modules {ext}, expected {expected}")
    if ext:
        with zipfile.ZipFile(whl) as z:
            binary = z.read(ext[0])
        # PyModule::new(py, "_testing") leaves its name in the binary.
        fail.check(b"_testing" not in binary, f"{whl.name}: built with the `testing` feature")
    if tag == "win_amd64":
        if ext:
            check_pe_imports(whl, ext[0], py, fail, tmp)
    else:
        check_auditwheel(whl, tag, fail)


def check_sdist(sdist: Path, version: str, fail: Failures) -> None:
    top = f"rselect-{version}"
    with tarfile.open(sdist) as t:
        names = set(t.getnames())
        pkg_info = email.message_from_bytes(t.extractfile(f"{top}/PKG-INFO").read())  # type: ignore[union-attr]
    for f in [
        "pyproject.toml",
        "Cargo.toml",
        "Cargo.lock",
        "crates/rselect-py/Cargo.toml",
        "crates/rselect-core/Cargo.toml",
        "python/rselect/__init__.py",
        "python/rselect.data/purelib/rselect-startup.pth",
    ]:
        fail.check(f"{top}/{f}" in names, f"{sdist.name}: no {f}")
    fail.check(pkg_info["Requires-Python"] == ">=3.10", f"{sdist.name}: Requires-Python")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--expect", action="append", required=True, help='"PLATFORM TAG"')
    parser.add_argument(
        "--versions",
        nargs="+",
        default=VERSIONS,
        help="the CPythons whose wheels must be there (the others of 3.10-3.15 may be)",
    )
    args = parser.parse_args()

    version = workspace_version()
    fail = Failures()
    for v in args.versions:
        fail.check(v in VERSIONS, f"--versions {v}: the release set is CPython {VERSIONS}")
    tmp = Path(tempfile.mkdtemp())
    wheels = sorted(args.dist.glob("rselect-*.whl"))
    sdists = sorted(args.dist.glob("rselect-*.tar.gz"))
    seen: set[Path] = set()
    rows = []
    for line in args.expect:
        platform, tag = line.split()
        for v in VERSIONS:
            py = "cp" + v.replace(".", "")
            found = [
                w
                for w in wheels
                if w.name.startswith(f"rselect-{version}-{py}-{py}-")
                and w.name.endswith(f"{tag}.whl")
            ]
            if not found and v not in args.versions:
                continue
            if not fail.check(
                len(found) == 1, f"{platform} {v}: {len(found)} {tag} wheels in {args.dist}"
            ):
                continue
            whl = found[0]
            seen.add(whl)
            before = len(fail.items)
            check_wheel(whl, tag, py, version, fail, tmp)
            rows.append((whl.name, tag, whl.stat().st_size, len(fail.items) == before))
    for w in wheels:
        fail.check(w in seen, f"{w.name}: not in the release set (remove it from {args.dist})")
    if fail.check(len(sdists) == 1, f"{len(sdists)} sdists in {args.dist}"):
        before = len(fail.items)
        check_sdist(sdists[0], version, fail)
        rows.append((sdists[0].name, "sdist", sdists[0].stat().st_size, len(fail.items) == before))
    twine = subprocess.run(
        [
            str(Path(sys.executable).parent / "twine"),
            "check",
            "--strict",
            *map(str, wheels + sdists),
        ],
        capture_output=True,
        text=True,
    )
    fail.check(twine.returncode == 0, f"twine check --strict:\n{twine.stdout}{twine.stderr}")
    shutil.rmtree(tmp)

    for file, tag, size, ok in rows:
        print(f"  {'ok' if ok else 'FAILED':6}  {file:78} {tag:24} {size:>9,} bytes")
    twine_result = "passed" if twine.returncode == 0 else "FAILED"
    print(f"check-wheels: {len(rows)} files, twine check --strict {twine_result}")
    for item in fail.items:
        print(f"check-wheels: FAILED: {item}")
    return 1 if fail.items else 0


if __name__ == "__main__":
    sys.exit(main())
