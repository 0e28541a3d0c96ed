"""Screenshots of the questionnaire pages for docs/evaluator.md (run on demand, not a test).

    .venv/bin/python tests/console/questionnaire_screenshots.py   # writes docs/img/console-questionnaire-*.png

Uses the data of tests/console/screenshots.py (Dekom 2023 launched), uploads a skoleleder XLSForm
with one reworded scale item (first with a repeat in it), previews it in nynorsk and lists the versions.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import photograph  # noqa: E402

from console.screenshots import OUT, build, login  # noqa: E402
from console.test_questionnaire_design import reworded_skoleleder, xlsx_bytes  # noqa: E402


def shoot(browser, base: str, folder: Path) -> None:
    """Upload, fix, check, preview and list; save a screenshot of each."""
    q, _ = reworded_skoleleder()
    bad, good = folder / "bad" / "skoleleder.xlsx", folder / "skoleleder.xlsx"
    bad.parent.mkdir()
    bad.write_bytes(xlsx_bytes(q, ["begin_repeat", "gjenta", "Gjenta"]))
    good.write_bytes(xlsx_bytes(q))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    login(page, base, "evaluator@dekom.no")

    def snap(name: str, full: bool = True) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / f"console-questionnaire-{name}.png"), full_page=full)

    page.goto(base + "/console/questionnaires/upload")
    page.set_input_files("#file", str(bad))
    page.click("button:has-text('Les filen')")
    snap("problems", full=False)
    page.set_input_files("#file", str(good))
    page.click("button:has-text('Les filen')")
    snap("draft")
    page.click(".preview-links >> text=Nynorsk")
    page.click("text=vis alle spørsmål")
    page.goto(page.url.split("?")[0].rsplit("/", 1)[0] + "/" + q.pages[2].id)
    snap("preview", full=False)
    page.goto(base + "/console/questionnaires")
    snap("list", full=False)
    context.close()


def main() -> None:
    """Take the screenshots."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app, _, _ = build(Path(tmp))
        photograph(app, shoot, Path(tmp))
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("console-questionnaire-*.png"))))


if __name__ == "__main__":
    main()
