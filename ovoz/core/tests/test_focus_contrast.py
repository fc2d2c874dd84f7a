"""The focus ring is visible: at least 3:1 against every light background of the stylesheet (WCAG 1.4.11)."""

import re
from pathlib import Path

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "ovoz" / "ovoz.css"


def _luminance(colour: str) -> float:
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(digit * 2 for digit in hex_digits)
    channels = [int(hex_digits[index : index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4 for value in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_computed_as_wcag_defines_it():
    assert round(contrast("#000", "#fff"), 1) == 21.0
    assert round(contrast("#f0a202", "#fff"), 2) == 2.13  # the old focus colour, refused below


def test_the_focus_outline_has_three_to_one_contrast_against_every_light_background():
    css = STYLESHEET.read_text()
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\b", css))
    focus_rule = re.search(r"a:focus[^{]*\{([^}]*)\}", css).group(1)
    outline = re.search(r"outline:\s*\S+\s+solid\s+(var\(--([\w-]+)\)|#[0-9a-fA-F]{3,6})", focus_rule)
    focus = variables[outline.group(2)] if outline.group(2) else outline.group(1)
    literal_backgrounds = re.findall(r"background(?:-color)?:\s*(#[0-9a-fA-F]{3,6})\b", css)
    backgrounds = {"#fff", variables["bg"], variables["soft"], *literal_backgrounds}
    light = {colour for colour in backgrounds if _luminance(colour) > 0.5}  # pages, panels, notices
    assert len(light) >= 5
    assert {colour: round(contrast(focus, colour), 2) for colour in light if contrast(focus, colour) < 3} == {}
