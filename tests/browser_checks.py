"""What "readable in a browser" means, measured in the page: shared by the site's and the server's browser tests.

Each constant is a JavaScript function for Playwright's ``page.evaluate``.
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
MIN_TAP = 44
MIN_CONTRAST = 4.5

# Controls smaller than MIN_TAP px (links inside running text excepted, as WCAG excepts them).
SMALL_TARGETS = """(least) => [...document.querySelectorAll('a[href], button, summary, input, select')]
  .filter(el => !el.closest('.prose, .notebook'))
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, r]) => r.width > 0 && r.height > 0 && (r.width < least - 0.5 || r.height < least - 0.5))
  .map(([el, r]) => `${el.outerHTML.slice(0, 90)}: ${r.width.toFixed(1)} x ${r.height.toFixed(1)}`)"""

# Every visible text (HTML and SVG) whose colour has too little contrast with what is behind it.
LOW_CONTRAST = """(least) => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const parse = text => {
    const m = text.match(/rgba?\\(([^)]*)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, below) => ({r: top.r * top.a + below.r * (1 - top.a), g: top.g * top.a + below.g * (1 - top.a),
                                 b: top.b * top.a + below.b * (1 - top.a), a: 1});
  const behind = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), {r: 255, g: 255, b: 255, a: 1});
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const failures = [];
  for (const el of document.querySelectorAll('body *')) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || !box.width || !box.height) continue;
    const svg = el instanceof SVGElement;
    const bg = behind(svg ? el.ownerSVGElement : el);
    let fg = parse(svg ? style.fill : style.color);
    if (fg.a < 1) fg = over(fg, bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < least) failures.push(`${el.tagName}.${el.getAttribute('class')} "${el.textContent.trim().slice(0, 30)}": ${ratio.toFixed(2)}`);
  }
  return failures;
}"""

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"

# The rendered width of a text at 40 px in the page's own font stack.
TEXT_WIDTH = """(text) => { const probe = document.createElement('span');
  probe.style.fontSize = '40px'; probe.style.whiteSpace = 'pre'; probe.textContent = text;
  document.body.appendChild(probe); const width = probe.getBoundingClientRect().width; probe.remove(); return width; }"""
