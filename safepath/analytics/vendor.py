"""Install the map library (Leaflet) from the npm registry into a git-ignored static folder.

Run by ``make setup``. The version and the registry's integrity hash are pinned here: a
tarball whose SHA-512 differs is refused. Nothing is committed and nothing is loaded from a
CDN; the app serves the files itself. Without npm the map falls back to a plain list and the
page says why.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess  # runs npm, a fixed command with fixed arguments
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "leaflet"
VERSION = "1.9.4"
INTEGRITY = (
    "sha512-"
    "nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
)
TARGET = Path(__file__).resolve().parent / "static" / "analytics" / "vendor" / "leaflet"
FILES = ("leaflet.js", "leaflet.css")


def installed() -> bool:
    marker = TARGET / "VERSION"
    return marker.exists() and marker.read_text().strip() == VERSION


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def install() -> str:
    if installed():
        return f"{PACKAGE} {VERSION} already installed"
    npm = shutil.which("npm")
    if npm is None:
        return "npm not found: the analytics map will show a list instead of a map"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603  # fixed arguments
            [npm, "pack", f"{PACKAGE}@{VERSION}", "--silent", "--pack-destination", tmp],
            check=True,
            capture_output=True,
            timeout=120,
        )
        tarball = Path(tmp) / f"{PACKAGE}-{VERSION}.tgz"
        data = tarball.read_bytes()
        if integrity_of(data) != INTEGRITY:
            raise SystemExit(f"{PACKAGE} {VERSION}: integrity check failed, refusing to install")
        staging = Path(tmp) / "out"
        staging.mkdir()
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                name = member.name.removeprefix("package/dist/")
                if name in FILES or (name.startswith("images/") and name.endswith(".png")):
                    member.name = name
                    archive.extract(member, staging, filter="data")
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, TARGET)
        (TARGET / "VERSION").write_text(VERSION + "\n")
    return f"installed {PACKAGE} {VERSION} (integrity checked)"


if __name__ == "__main__":
    print(install(), file=sys.stderr)
