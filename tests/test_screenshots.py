"""The README's Screenshots section lists exactly the images in docs/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_lists_every_screenshot_and_only_those() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Screenshots\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"\(docs/screenshots/([^)]+\.png)\)", section))
    on_disk = {p.name for p in (ROOT / "docs" / "screenshots").glob("*.png")}
    assert listed == on_disk
