"""Build 达标 for the platform this runs on, from the repository root:

    uv run --group build python packaging/build.py [--skip-packages] [--max-glibc 2.28]

1. bakes the version from pyproject.toml into build/generated/_dabiao_version.py;
2. PyInstaller (packaging/dabiao.spec, onedir) -> dist/dabiao/ (the app, its bundled
   criteria, the shipped font, zh_CN Qt translations, the icon; unused Qt left out);
3. adds the licence texts (licenses/) of everything the build contains;
4. Linux: dist/dabiao-VERSION-linux-ARCH.tar.gz (unpacks to dabiao/, runs from any folder)
   and dist/dabiao_VERSION_ARCH.deb (dpkg-deb; /opt/dabiao, /usr/bin/dabiao, a menu
   entry), then reports the newest glibc symbol version the build needs;
   Windows: dist/dabiao-VERSION-windows-x64-setup.exe with Inno Setup (ISCC.exe on PATH
   or in its default folder), per-user, no admin rights.

Each step prints its time. See packaging/README.md.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.metadata as md
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DIST = ROOT / "dist"
BUILD = ROOT / "build"
GENERATED = BUILD / "generated"
APP_DIR = DIST / "dabiao"

NAME_ZH = "达标"
COMMENT_ZH = "基层武装部规范化建设考评"
MAINTAINER = "Dabiao developers <dabiao@localhost>"

# What the .deb needs from the system: the graphics, font, printing and C++ runtime
# libraries every Kylin / UOS / Debian / Ubuntu desktop has (Qt 5 desktops need the same
# xcb libraries), deliberately not bundled (packaging/dabiao.spec: HOST_LIBS): they must
# match the host's X server, GL driver and font configuration. Everything else (Qt, ICU,
# Python, libxcb-cursor, libxcb-util) is inside /opt/dabiao. check_host_libs() verifies
# after each build that every library the build links and does not carry is named here.
DEB_DEPENDS = {
    "libc6 (>= 2.28)": ["libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
                        "libutil.so.1", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libmvec.so.1",
                        "libcrypt.so.1", "libresolv.so.2"],
    "libstdc++6": ["libstdc++.so.6"], "libgcc-s1 | libgcc1": ["libgcc_s.so.1"], "zlib1g": ["libz.so.1"],
    "libgl1": ["libGL.so.1"], "libegl1": ["libEGL.so.1"], "libx11-6": ["libX11.so.6"],
    "libx11-xcb1": ["libX11-xcb.so.1"], "libxcb1": ["libxcb.so.1"], "libxcb-glx0": ["libxcb-glx.so.0"],
    "libxcb-icccm4": ["libxcb-icccm.so.4"], "libxcb-image0": ["libxcb-image.so.0"],
    "libxcb-keysyms1": ["libxcb-keysyms.so.1"], "libxcb-randr0": ["libxcb-randr.so.0"],
    "libxcb-render0": ["libxcb-render.so.0"], "libxcb-render-util0": ["libxcb-render-util.so.0"],
    "libxcb-shape0": ["libxcb-shape.so.0"], "libxcb-shm0": ["libxcb-shm.so.0"], "libxcb-sync1": ["libxcb-sync.so.1"],
    "libxcb-xfixes0": ["libxcb-xfixes.so.0"], "libxcb-xkb1": ["libxcb-xkb.so.1"],
    "libxkbcommon0": ["libxkbcommon.so.0"], "libxkbcommon-x11-0": ["libxkbcommon-x11.so.0"],
    "libfontconfig1": ["libfontconfig.so.1"], "libfreetype6": ["libfreetype.so.6"],
    "libdbus-1-3": ["libdbus-1.so.3"], "libglib2.0-0": ["libglib-2.0.so.0", "libgthread-2.0.so.0"],
    "libcups2": ["libcups.so.2"], "libgssapi-krb5-2": ["libgssapi_krb5.so.2"],
}
DEB_RECOMMENDS = ["fonts-wqy-microhei | fonts-wqy-zenhei | fonts-noto-cjk"]


def log(msg: str) -> None:
    print(f"build.py: {msg}", flush=True)


class Timer:
    def __init__(self):
        self.steps: list[tuple[str, float]] = []

    def step(self, name: str):
        timer = self

        class _Step:
            def __enter__(self):
                log(f"{name} ...")
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                dt = time.perf_counter() - self.t0
                timer.steps.append((name, dt))
                if exc[0] is None:
                    log(f"{name}: {dt:.1f} s")

        return _Step()


def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def write_version_module(version: str) -> None:
    GENERATED.mkdir(parents=True, exist_ok=True)
    (GENERATED / "_dabiao_version.py").write_text(
        f'"""Written by packaging/build.py from pyproject.toml."""\n\nVERSION = "{version}"\n', encoding="utf-8")


def run_pyinstaller() -> None:
    import PyInstaller.__main__

    os.environ["DABIAO_BUILD_GENERATED"] = str(GENERATED)
    if APP_DIR.exists():
        shutil.rmtree(APP_DIR)
    PyInstaller.__main__.run([
        str(HERE / "dabiao.spec"), "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"),
    ])


def internal_dir() -> Path:
    return APP_DIR / "_internal"


def elf_files(folder: Path):
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    yield path


def remove_dangling_links() -> list[str]:
    """Links PyInstaller made to libraries the spec then left out."""
    removed = []
    for path in sorted(APP_DIR.rglob("*")):
        if path.is_symlink() and not path.exists():
            removed.append(path.name)
            path.unlink()
    return removed


def check_host_libs() -> list[str]:
    """Linux: the libraries the build links but does not carry, each of which must be in
    DEB_DEPENDS (the host provides it); returns those that are not."""
    carried = {p.name for p in APP_DIR.rglob("*")}
    needed: dict[str, str] = {}
    for path in elf_files(APP_DIR):
        out = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True).stdout
        for soname in re.findall(r"^\s*NEEDED\s+(\S+)", out, re.M):
            if soname not in carried:
                needed.setdefault(soname, str(path.relative_to(APP_DIR)))
    declared = {so for sonames in DEB_DEPENDS.values() for so in sonames}
    log("from the host: " + " ".join(sorted(needed)))
    return sorted(so for so in needed if so not in declared)


# ---------------------------------------------------------------- licences

def runtime_distributions() -> list[md.Distribution]:
    """The project's run-time dependencies and theirs (not the dev / build groups)."""
    with open(ROOT / "pyproject.toml", "rb") as fh:
        wanted = [re.split(r"[\s<>=!~;\[]", d, maxsplit=1)[0] for d in tomllib.load(fh)["project"]["dependencies"]]
    seen: dict[str, md.Distribution] = {}
    while wanted:
        name = wanted.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        seen[key] = dist
        for req in dist.requires or []:
            if "extra ==" in req:
                continue
            marker_ok = True
            if ";" in req:
                try:
                    from packaging.markers import Marker  # vendored by PyInstaller's deps

                    marker_ok = Marker(req.split(";", 1)[1]).evaluate()
                except Exception:  # noqa: BLE001 - unknown marker: include it
                    marker_ok = True
            if marker_ok:
                wanted.append(re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0])
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def copy_licences(version: str) -> None:
    out = APP_DIR / "licenses"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    shutil.copy2(ROOT / "LICENSE", out / "Dabiao-LICENSE.txt")
    fonts = out / "WenQuanYi-Micro-Hei"
    fonts.mkdir()
    for name in ("LICENSE-Apache-2.0.txt", "COPYING-wqy-microhei.txt"):
        shutil.copy2(ROOT / "exports" / "fonts" / name, fonts / name)
    lines = [f"达标 Dabiao {version}: third-party components in this build and their licences.", "",
             f"Python {platform.python_version()}: PSF-2.0 (Python/LICENSE.txt)"]
    py_licence = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "LICENSE.txt"
    if not py_licence.exists():
        py_licence = Path(sys.base_prefix) / "LICENSE.txt"
    if py_licence.exists():
        (out / "Python").mkdir()
        shutil.copy2(py_licence, out / "Python" / "LICENSE.txt")
    for dist in runtime_distributions():
        name = dist.metadata["Name"]
        lic = dist.metadata.get("License-Expression") or dist.metadata.get("License") or ""
        if len(lic) > 80 or "\n" in lic:
            lic = next((c.split("::")[-1].strip() for c in dist.metadata.get_all("Classifier") or []
                        if c.startswith("License ::")), "see files")
        lines.append(f"{name} {dist.version}: {lic}")
        files = [f for f in dist.files or [] if re.search(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", f.name, re.I)
                 and ".dist-info" in str(f)]
        if files:
            target = out / name
            target.mkdir(exist_ok=True)
            for f in files:
                src = Path(dist.locate_file(f))
                if src.is_file():
                    rel = str(f).split(".dist-info/", 1)[-1].replace("/", "_")
                    shutil.copy2(src, target / rel)
    lines += ["", "Qt 6 (inside PySide6) is used under the LGPL-3.0: its libraries are the unmodified",
              "shared libraries of the PySide6 wheels, in _internal/PySide6/Qt/lib, and can be replaced.",
              "Sources: https://download.qt.io/official_releases/qt/ and https://code.qt.io/pyside/pyside-setup.git"]
    (out / "THIRD-PARTY.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- Linux packages

def deb_arch() -> str:
    return {"x86_64": "amd64", "aarch64": "arm64", "loongarch64": "loong64"}.get(platform.machine(), platform.machine())


def make_tarball(version: str) -> Path:
    out = DIST / f"dabiao-{version}-linux-{platform.machine()}.tar.gz"

    def reset(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with gzip.GzipFile(out, "wb", compresslevel=6, mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        tar.add(APP_DIR, arcname="dabiao", filter=reset)
    return out


def desktop_entry() -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.0",
        f"Name={NAME_ZH}",
        f"Name[zh_CN]={NAME_ZH}",
        f"Comment={COMMENT_ZH}",
        f"Comment[zh_CN]={COMMENT_ZH}",
        "Exec=/opt/dabiao/dabiao",
        "Icon=dabiao",
        "Terminal=false",
        "Categories=Office;",
        "Keywords=达标;考评;武装部;Dabiao;",
        "StartupWMClass=dabiao",
        "",
    ])


def make_deb(version: str) -> Path:
    arch = deb_arch()
    stage = BUILD / "deb" / "root"
    if stage.parent.exists():
        shutil.rmtree(stage.parent)
    opt = stage / "opt" / "dabiao"
    shutil.copytree(APP_DIR, opt, symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    os.symlink("/opt/dabiao/dabiao", stage / "usr" / "bin" / "dabiao")
    apps = stage / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / "dabiao.desktop").write_text(desktop_entry(), encoding="utf-8")
    from PIL import Image  # a run-time dependency, so present

    icon = Image.open(HERE / "icons" / "dabiao.png")
    for size in (16, 24, 32, 48, 64, 128, 256):
        folder = stage / "usr" / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        icon.resize((size, size), Image.LANCZOS).save(folder / "dabiao.png", optimize=True)
    doc = stage / "usr" / "share" / "doc" / "dabiao"
    doc.mkdir(parents=True)
    shutil.copy2(ROOT / "LICENSE", doc / "copyright")
    for path in stage.rglob("*"):  # dpkg wants 0755 folders and no group/other write bits
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if mode & 0o111 else 0o644)

    size_kb = sum(p.lstat().st_size for p in stage.rglob("*")) // 1024 + 1
    control = stage / "DEBIAN"
    control.mkdir()
    (control / "control").write_text("\n".join([
        "Package: dabiao",
        f"Version: {version}",
        f"Architecture: {arch}",
        f"Maintainer: {MAINTAINER}",
        f"Installed-Size: {size_kb}",
        f"Depends: {', '.join(DEB_DEPENDS)}",
        f"Recommends: {', '.join(DEB_RECOMMENDS)}",
        "Section: utils",
        "Priority: optional",
        f"Description: {NAME_ZH} — {COMMENT_ZH}（离线）",
        " Offline desktop app for the yearly standardisation check of grassroots armed",
        " forces departments: criteria, self-assessment with photo evidence, on-site review,",
        " USB exchange bundles and gap reports. User data stays in each user's data folder",
        " (~/.local/share/Dabiao); removing or upgrading the package leaves it alone.",
        "",
    ]), encoding="utf-8")
    # No maintainer scripts: nothing runs at install or removal, so user data is never
    # touched; the menu and icon caches are refreshed by dpkg triggers of the desktop.
    md5 = []
    for path in sorted(stage.rglob("*")):
        if path.is_file() and not path.is_symlink() and "DEBIAN" not in path.relative_to(stage).parts:
            md5.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {path.relative_to(stage)}")
    (control / "md5sums").write_text("\n".join(md5) + "\n", encoding="utf-8")
    out = DIST / f"dabiao_{version}_{arch}.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--build", str(stage), str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    return out


# ---------------------------------------------------------------- glibc

def glibc_report(folder: Path) -> tuple[tuple[int, ...], list[tuple[str, str]]]:
    """The newest GLIBC_x.y symbol version any ELF file in the folder needs, and, for each
    file, its own newest (sorted, newest first)."""
    per_file = []
    newest: tuple[int, ...] = (0,)
    for path in elf_files(folder):
        out = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True).stdout
        versions = {tuple(int(x) for x in m.split(".")) for m in re.findall(r"\bGLIBC_([0-9.]+)\b", out)}
        if versions:
            top = max(versions)
            per_file.append((top, str(path.relative_to(folder))))
            newest = max(newest, top)
    per_file.sort(reverse=True)
    return newest, [(".".join(map(str, v)), name) for v, name in per_file]


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*"))


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


# ---------------------------------------------------------------- Windows

def find_iscc() -> str | None:
    found = shutil.which("ISCC") or shutil.which("iscc")
    if found:
        return found
    for base in (os.environ.get("ProgramFiles(x86)"), os.environ.get("ProgramFiles"),
                 os.path.join(os.environ.get("LOCALAPPDATA", ""), "Programs")):
        if base:
            candidate = Path(base) / "Inno Setup 6" / "ISCC.exe"
            if candidate.exists():
                return str(candidate)
    return None


def make_windows_installer(version: str) -> Path | None:
    iscc = find_iscc()
    if iscc is None:
        log("Inno Setup (ISCC.exe) not found: dist/dabiao/ is built, the installer is not")
        return None
    subprocess.run([iscc, f"/DAppVersion={version}", f"/DSourceDir={APP_DIR}", f"/DOutputDir={DIST}",
                    f"/DIconFile={HERE / 'icons' / 'dabiao.ico'}", str(HERE / "windows" / "dabiao.iss")], check=True)
    return DIST / f"dabiao-{version}-windows-x64-setup.exe"


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build 达标 for this platform into dist/.")
    parser.add_argument("--skip-packages", action="store_true", help="only dist/dabiao/, no .deb / .tar.gz / installer")
    parser.add_argument("--max-glibc", help="fail if the Linux build needs a newer glibc than this (e.g. 2.28)")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    timer = Timer()
    t0 = time.perf_counter()
    version = project_version()
    log(f"达标 Dabiao {version} for {sys.platform} {platform.machine()}, Python {platform.python_version()}")
    with timer.step("version"):
        write_version_module(version)
    with timer.step("pyinstaller"):
        run_pyinstaller()
    linux = sys.platform.startswith("linux")
    if linux:
        with timer.step("host libraries"):
            remove_dangling_links()
            undeclared = check_host_libs()
            if undeclared:
                log("FAIL: linked, not carried and not in DEB_DEPENDS: " + " ".join(undeclared))
                return 1
    with timer.step("licences"):
        copy_licences(version)
    made = []
    if not args.skip_packages:
        if linux:
            with timer.step("tar.gz"):
                made.append(make_tarball(version))
            if shutil.which("dpkg-deb"):
                with timer.step("deb"):
                    made.append(make_deb(version))
            else:
                log("dpkg-deb not found: no .deb")
        elif sys.platform == "win32":
            with timer.step("installer"):
                installer = make_windows_installer(version)
                if installer:
                    made.append(installer)
    total = time.perf_counter() - t0
    log(f"built in {total:.0f} s: " + ", ".join(f"{n} {t:.0f} s" for n, t in timer.steps))
    log(f"{APP_DIR.relative_to(ROOT)}: {mb(size_of(APP_DIR))}")
    for path in made:
        log(f"{path.relative_to(ROOT)}: {mb(size_of(path))}")
    if linux and shutil.which("objdump"):
        newest, files = glibc_report(APP_DIR)
        top = ".".join(map(str, newest))
        log(f"newest glibc symbol version needed: GLIBC_{top}")
        for ver, name in files[:8]:
            log(f"  GLIBC_{ver}  {name}")
        if args.max_glibc and newest > tuple(int(x) for x in args.max_glibc.split(".")):
            log(f"FAIL: needs glibc {top}, more than --max-glibc {args.max_glibc} (packaging/README.md: "
                "build inside an AlmaLinux 8 / manylinux_2_28 image)")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
