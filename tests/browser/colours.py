"""Colours read from the page: an element's background luminance, and text whose contrast
against its background is too low (WCAG's ratio), for the light and dark theme checks."""

from __future__ import annotations

from typing import Any

MIN_CONTRAST = 4.5  # WCAG AA for text


def luminance(element: Any) -> float:
    """The relative luminance (0 black .. 1 white) of an element's background, walking up to
    the first ancestor that paints one."""
    return float(element.evaluate(f"e => {{ {COLOUR_JS}; return lum(background(e)); }}"))


def low_contrast(panel: Any) -> tuple[int, list[str]]:
    """How many enabled, visible text elements the panel has, and those whose
    text/background contrast is below MIN_CONTRAST (WCAG's ratio), as ``text: ratio``."""
    checked, low = panel.evaluate(
        f"""(panel, minimum) => {{
            {COLOUR_JS};
            const low = [];
            let checked = 0;
            const selector = "label, button, input, select, td, th, pre, .widget-label, div";
            for (const e of panel.querySelectorAll(selector)) {{
                const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
                const text = (e.value || "").trim() || (own ? e.textContent.trim() : "");
                if (!text || e.disabled || e.closest("[disabled]") || !e.offsetParent) continue;
                checked += 1;
                const ratio = contrast(rgb(getComputedStyle(e).color), background(e));
                if (ratio < minimum) low.push(`${{text.slice(0, 40)}}: ${{ratio.toFixed(2)}}`);
            }}
            return [checked, low];
        }}""",
        MIN_CONTRAST,
    )
    return int(checked), list(low)


COLOUR_JS = """
    const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const background = e => {
        for (; e; e = e.parentElement) {
            const c = getComputedStyle(e).backgroundColor;
            if (c && c !== "transparent" && !c.startsWith("rgba(0, 0, 0, 0")) return rgb(c);
        }
        return [255, 255, 255];
    };
    const lum = ([r, g, b]) => {
        const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const contrast = (a, b) => {
        const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
        return (x + 0.05) / (y + 0.05);
    }
"""
