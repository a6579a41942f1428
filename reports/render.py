"""Matplotlib set-up shared by the reports: a CJK font when the machine has one, no display needed."""
import base64
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "SimHei")


CJK_FILES = ("wqy", "notosanscjk", "noto-cjk", "sourcehansans", "simhei")


def use_cjk_font() -> str | None:
    """Pick an installed CJK font so Chinese labels render (Debian: fonts-wqy-microhei)."""
    name = _known_cjk_font()
    if name is None:
        # Matplotlib's font cache is written the first time it runs; a font installed after that (CI installs
        # fonts-wqy-microhei on a machine that may have drawn before) is on disk but not in the cache.
        for path in font_manager.findSystemFonts():
            if any(key in Path(path).name.lower() for key in CJK_FILES):
                font_manager.fontManager.addfont(path)
        name = _known_cjk_font()
    if name is not None:
        plt.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
        plt.rcParams["axes.unicode_minus"] = False
    return name


def _known_cjk_font() -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def save_png(fig, path: Path) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = buffer.getvalue()
    path.write_bytes(data)
    return data


def html_page(title: str, png: bytes, sections: list[tuple[str, str]]) -> str:
    """A self-contained page: the picture, then the figures as tables (already HTML)."""
    image = base64.b64encode(png).decode()
    body = "".join(f"<h2>{html.escape(h)}</h2>{content}" for h, content in sections)
    return (f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0}"
            "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}th{background:#f4f4f4}"
            ".risk{color:#b00;font-weight:bold}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><img alt='{html.escape(title)}' style='max-width:100%' "
            f"src='data:image/png;base64,{image}'>{body}</body></html>")


def html_table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"
