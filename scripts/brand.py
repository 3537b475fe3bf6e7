"""Draw OmniCam's brand images (custom_components/omnicam/brand/) from its vector mark.

The mark is geometry, not a bitmap: a ring of five arcs (one per camera platform) around a
lens. It is drawn four times larger than needed and scaled down, so edges are smooth at every
size Home Assistant's brand rules ask for: icons 256 and 512 px square, logos 128 and 256 px
high. Run `.venv/bin/python scripts/brand.py` after changing the mark, and commit the PNGs.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "custom_components" / "omnicam" / "brand"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
SUPER = 4

LIGHT = {"ring": "#1E88E5", "lens": "#0D2B45", "iris": "#26C6DA", "text": "#0D2B45"}
DARK = {"ring": "#42A5F5", "lens": "#D6ECFF", "iris": "#00ACC1", "text": "#FFFFFF"}


def mark(size: int, colors: dict[str, str]) -> Image.Image:
    """Return the mark as a square RGBA image `size` pixels wide."""
    big = size * SUPER
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = big / 2

    def box(radius: float) -> tuple[float, float, float, float]:
        return (c - radius * big, c - radius * big, c + radius * big, c + radius * big)

    width = round(0.09 * big)
    for n in range(5):
        start = -90 + n * 72 + 7
        draw.arc(box(0.5 - 0.045), start, start + 58, fill=colors["ring"], width=width)
    draw.ellipse(box(0.3), fill=colors["lens"])
    draw.ellipse(box(0.14), fill=colors["iris"])
    hx, hy, hr = c - 0.055 * big, c - 0.055 * big, 0.04 * big
    draw.ellipse((hx - hr, hy - hr, hx + hr, hy + hr), fill="#FFFFFF")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def logo(height: int, colors: dict[str, str]) -> Image.Image:
    """Return the mark with the word OmniCam beside it, `height` pixels high."""
    big = height * SUPER
    font = ImageFont.truetype(FONT, round(big * 0.62))
    text_box = font.getbbox("OmniCam")
    gap = round(big * 0.22)
    width = big + gap + text_box[2] - text_box[0]
    image = Image.new("RGBA", (width, big), (0, 0, 0, 0))
    image.alpha_composite(mark(big, colors))
    draw = ImageDraw.Draw(image)
    top = (big - (text_box[3] - text_box[1])) / 2 - text_box[1]
    draw.text((big + gap - text_box[0], top), "OmniCam", font=font, fill=colors["text"])
    image = image.crop(image.getbbox())
    scale = height / image.height
    return image.resize((round(image.width * scale), height), Image.Resampling.LANCZOS)


def main() -> None:
    """Write every brand image."""
    OUT.mkdir(exist_ok=True)
    for prefix, colors in (("", LIGHT), ("dark_", DARK)):
        mark(256, colors).save(OUT / f"{prefix}icon.png", optimize=True)
        mark(512, colors).save(OUT / f"{prefix}icon@2x.png", optimize=True)
        logo(128, colors).save(OUT / f"{prefix}logo.png", optimize=True)
        logo(256, colors).save(OUT / f"{prefix}logo@2x.png", optimize=True)


if __name__ == "__main__":
    main()
