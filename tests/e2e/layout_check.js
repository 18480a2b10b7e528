// The layout checks of tests/e2e/layout.py, run in the page: returns a list of findings.
() => {
  const out = [];
  const vis = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const label = el => {
    const c = el.closest('[data-testid=stElementContainer]') || el;
    const h = (c.innerText || '').trim().split('\n')[0].slice(0, 50);
    return (c.getAttribute('data-testid') || el.tagName) + (h ? ' "' + h + '"' : '');
  };
  const main = document.querySelector('[data-testid=stMain]') || document.body;
  // a drawing bigger than the box that shows it (an ancestor that clips)
  for (const el of main.querySelectorAll('canvas, .vega-embed svg, img')) {
    if (!vis(el) || el.closest('[data-testid=stDataFrame], .hee-table-wrap')) continue;
    const r = el.getBoundingClientRect();
    for (let a = el.parentElement; a && a !== main; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (!/(hidden|clip|auto|scroll)/.test(s.overflowX + s.overflowY)) continue;
      const b = a.getBoundingClientRect();
      const dx = Math.max(r.right - b.right, b.left - r.left);
      const dy = Math.max(r.bottom - b.bottom, b.top - r.top);
      if (dx > 4 || dy > 4) {
        out.push({kind: 'clipped', where: label(el), detail:
          `${el.tagName.toLowerCase()} ${Math.round(r.width)}x${Math.round(r.height)} in a box of ` +
          `${Math.round(b.width)}x${Math.round(b.height)}`});
      }
      break;
    }
  }
  // chart content outside its own drawing
  for (const svg of main.querySelectorAll('.vega-embed svg')) {
    if (!vis(svg)) continue;
    const r = svg.getBoundingClientRect();
    let worst = 0, what = '';
    const parts = svg.querySelectorAll('text, path, line, circle, rect');
    for (let i = 0; i < parts.length && i < 6000; i++) {
      const q = parts[i].getBoundingClientRect();
      if (q.width === 0 && q.height === 0) continue;
      const d = Math.max(q.right - r.right, r.left - q.left, q.bottom - r.bottom, r.top - q.top);
      if (d > worst) { worst = d; what = parts[i].tagName + ' "' + (parts[i].textContent || '').slice(0, 30) + '"'; }
    }
    if (worst > 4) out.push({kind: 'clipped', where: label(svg), detail:
      `chart content ${Math.round(worst)} px outside its ${Math.round(r.width)}x${Math.round(r.height)} drawing (${what})`});
  }
  // neighbours drawn over each other: siblings in a vertical block, columns in a row
  const pairs = (kids, vertical) => {
    for (let i = 0; i + 1 < kids.length; i++) {
      const a = kids[i].getBoundingClientRect(), b = kids[i + 1].getBoundingClientRect();
      const ox = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (ox > 6 && oy > 6) out.push({kind: 'overlap', where: label(kids[i]) + ' / ' + label(kids[i + 1]),
        detail: `${Math.round(vertical ? oy : ox)} px covered`});
    }
  };
  for (const b of main.querySelectorAll('[data-testid=stVerticalBlock]'))
    pairs(Array.from(b.children).filter(vis), true);
  for (const b of main.querySelectorAll('[data-testid=stHorizontalBlock]'))
    pairs(Array.from(b.children).filter(vis), false);
  // a chart drawn outside its element into the next one
  for (const c of main.querySelectorAll('[data-testid=stElementContainer]')) {
    const e = c.querySelector('.vega-embed, [data-testid=stDeckGlJsonChart]');
    if (!e || !vis(c)) continue;
    const rc = c.getBoundingClientRect(), re = e.getBoundingClientRect();
    if (re.bottom - rc.bottom > 6 || re.right - rc.right > 6)
      out.push({kind: 'overlap', where: label(c), detail:
        `drawing ${Math.round(re.width)}x${Math.round(re.height)} outside its ${Math.round(rc.width)}x${Math.round(rc.height)} element`});
  }
  // text cut with an ellipsis by the app's own styles (labels, buttons, metric labels)
  for (const el of main.querySelectorAll('[data-testid=stMetricLabel] p, [data-testid=stPopover] button p, .hee-chart-title, [data-testid=stMarkdownContainer] p')) {
    if (!vis(el)) continue;
    const s = getComputedStyle(el);
    if (s.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1)
      out.push({kind: 'truncated', where: label(el), detail: (el.innerText || '').slice(0, 60)});
  }
  // a control running past the edge of the main area: cut off where nothing scrolls (a
  // phone's main area hides its sideways overflow), e.g. the third option of a
  // segmented control; controls inside boxes that scroll themselves are theirs
  const mr = main.getBoundingClientRect();
  const right = Math.min(mr.right, innerWidth), left = Math.max(mr.left, 0);
  for (const el of main.querySelectorAll('button, input, select, textarea, [role=radio], [role=checkbox]')) {
    if (!vis(el) || el.closest('.hee-table-wrap, [data-testid=stDataFrame], [data-testid=stPopoverBody]')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > right + 2 || r.left < left - 2)
      out.push({kind: 'cut', where: label(el), detail:
        `${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.getAttribute('aria-label') || '').slice(0, 40)}" ` +
        `at ${Math.round(r.left)}-${Math.round(r.right)} px in a ${Math.round(left)}-${Math.round(right)} px area`});
  }
  const se = document.scrollingElement;
  if (se.scrollWidth > innerWidth + 2) out.push({kind: 'hscroll', where: 'page',
    detail: `page is ${se.scrollWidth}px wide in a ${innerWidth}px window`});
  if (main.scrollWidth > main.clientWidth + 2) out.push({kind: 'hscroll', where: 'main',
    detail: `main area is ${main.scrollWidth}px wide in ${main.clientWidth}px`});
  return out;
}
