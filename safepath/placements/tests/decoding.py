"""Helpers the placement tests share: a real QR decoder over PNG, SVG and PDF pages."""

from __future__ import annotations

import io

import pypdfium2
import resvg_py
import zxingcpp
from PIL import Image, ImageFilter


def decode_image(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def decode_png(data: bytes) -> list[str]:
    return decode_image(Image.open(io.BytesIO(data)))


def svg_to_image(svg: bytes) -> Image.Image:
    png = resvg_py.svg_to_bytes(svg_string=svg.decode(), background="#ffffff")
    return Image.open(io.BytesIO(bytes(png))).convert("RGB")


def pdf_page_image(pdf: bytes, *, page: int = 0, dpi: int = 150) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    return document[page].render(scale=dpi / 72).to_pil().convert("RGB")


def pdf_page_count(pdf: bytes) -> int:
    return len(pypdfium2.PdfDocument(pdf))


def pdf_page_text(pdf: bytes, *, page: int = 0) -> str:
    document = pypdfium2.PdfDocument(pdf)
    return str(document[page].get_textpage().get_text_range())


def worn(image: Image.Image) -> Image.Image:
    """The page as a phone might see it: half the resolution, slightly out of focus."""
    smaller = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    return smaller.filter(ImageFilter.GaussianBlur(radius=1.2))
