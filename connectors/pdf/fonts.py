"""Which font a report is set in: a Unicode TrueType font where one is found, else Helvetica.

PDF's core fonts (Helvetica, Times, Courier) cover Latin-1 only, so a DataFrame holding
"Zoë 🚀" or "Ærø" needs a TrueType font. DejaVu Sans is looked for where Debian, Fedora,
Arch and macOS put it and in matplotlib's own font folder; without it the core font is
used and characters outside Latin-1 are replaced by ``?``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from workbench.sdk.errors import ActionArgumentError

CORE_FONTS = ("helvetica", "times", "courier")
FONT_FOLDERS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/Library/Fonts",
    "~/Library/Fonts",
)
# file name suffix of each style: DejaVuSans.ttf, DejaVuSans-Bold.ttf, -Oblique, -BoldOblique
STYLES = {"": "", "B": "-Bold", "I": "-Oblique", "BI": "-BoldOblique"}


@dataclass(frozen=True)
class FontChoice:
    """The family a report uses and, for a TrueType family, its file per style.

    Example:
        >>> FontChoice("helvetica").unicode
        False
        >>> FontChoice("helvetica").printable("Zoë 🚀")
        'Zoë ?'
    """

    family: str
    files: dict[str, Path] = field(default_factory=dict)
    mono: Path | None = None

    @property
    def unicode(self) -> bool:
        """True when the family is a TrueType font (any character it has can be shown)."""
        return bool(self.files)

    def style(self, wanted: str) -> str:
        """``wanted`` ("B", "I", "BI") where the family has that style, else "" (regular).

        Example:
            >>> FontChoice("times").style("B"), FontChoice("x", {"": Path("x.ttf")}).style("B")
            ('B', '')
        """
        return wanted if not self.unicode or wanted in self.files else ""

    def printable(self, text: str) -> str:
        """``text`` as the font can show it: unchanged for TrueType, Latin-1 for a core font."""
        if self.unicode:
            return text
        return text.encode("latin-1", "replace").decode("latin-1")


def _matplotlib_fonts() -> list[Path]:
    spec = importlib.util.find_spec("matplotlib")  # found, not imported: that costs a second
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(p) / "mpl-data" / "fonts" / "ttf" for p in spec.submodule_search_locations]


def _family_files(regular: Path) -> dict[str, Path]:
    """The regular file and whichever bold / oblique siblings sit beside it."""
    stem = regular.stem
    files = {"": regular}
    for style, suffix in STYLES.items():
        sibling = regular.with_name(f"{stem}{suffix}{regular.suffix}")
        if style and sibling.is_file():
            files[style] = sibling
    return files


def find_dejavu() -> FontChoice | None:
    """DejaVu Sans (with its bold and oblique files) from the first folder that has it.

    Example:
        >>> found = find_dejavu()
        >>> found is None or found.files[""].name == "DejaVuSans.ttf"
        True
    """
    folders = [Path(f).expanduser() for f in FONT_FOLDERS] + _matplotlib_fonts()
    for folder in folders:
        regular = folder / "DejaVuSans.ttf"
        if regular.is_file():
            mono = folder / "DejaVuSansMono.ttf"
            return FontChoice("dejavu", _family_files(regular), mono if mono.is_file() else None)
    return None


def choose_font(label: str, font: str | None) -> FontChoice:
    """The font for ``font``: None for the best one found, a core font name, or a .ttf path.

    Example:
        >>> choose_font("pdf.report", "Times").family
        'times'
        >>> choose_font("pdf.report", "comic.ttf")
        Traceback (most recent call last):
        ...
        workbench.errors.ActionArgumentError: pdf.report: font file 'comic.ttf' not found
    """
    if font is None:
        return find_dejavu() or FontChoice("helvetica")
    if font.lower() in CORE_FONTS:
        return FontChoice(font.lower())
    path = Path(font).expanduser()
    if path.suffix.lower() not in (".ttf", ".otf"):
        known = ", ".join(CORE_FONTS)
        raise ActionArgumentError(
            f"{label}: font {font!r} is neither a core font ({known}) nor a .ttf/.otf file"
        )
    if not path.is_file():
        raise ActionArgumentError(f"{label}: font file {font!r} not found")
    return FontChoice("custom", _family_files(path))
