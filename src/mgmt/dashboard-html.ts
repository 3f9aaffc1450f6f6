// The live dashboard: one self-contained HTML page (inline CSS and script, no
// external requests) fed by server-sent events from /events. Data is written
// with textContent only, so names from the config cannot inject markup.
// The page is static; every figure on it comes from the event stream.

export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>acesim — live</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d232b; }
  header { background: #1d3557; color: #fff; padding: 10px 18px; display: flex; gap: 18px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  #conn { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #777; }
  #conn.live { background: #2a9d8f; }
  main { display: grid; grid-template-columns: 2fr 1fr; gap: 14px; padding: 14px; }
  section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 10px 12px; }
  h2 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: #52606d; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eef0f2; white-space: nowrap; }
  th { font-weight: 600; color: #52606d; font-size: 12px; }
  .state { font-weight: 600; }
  .OPERATIONAL, .UP, .INSERVICE, .PASSED { color: #2a9d8f; }
  .PROBE-FAILED, .DOWN, .FAILED, .INBAND-PROBE-FAILED, .OUTOFSERVICE, .INACTIVE { color: #d62828; }
  .STANDBY, .MAXCONNS { color: #e9a100; }
  .hist span { display: inline-block; width: 7px; height: 12px; margin-right: 1px; border-radius: 1px; background: #2a9d8f; }
  .hist span.fail { background: #d62828; }
  #timeline { list-style: none; margin: 0; padding: 0; max-height: 520px; overflow: auto; font: 12px/1.5 ui-monospace, monospace; }
  #timeline li { border-bottom: 1px solid #f0f0f0; padding: 2px 0; }
  #timeline .t { color: #8a94a0; margin-right: 6px; }
  .http.bad { color: #d62828; }
  .farm { margin-bottom: 10px; }
  .farm h3 { font-size: 13px; margin: 6px 0; }
</style>
</head>
<body>
<header><h1>acesim</h1><span id="ctx"></span><span id="conn">connecting…</span><span id="clock"></span></header>
<main>
  <div>
    <section><h2>Virtual servers</h2>
      <table id="vips"><thead><tr><th>VIP</th><th>address</th><th>protocol / port</th><th>state</th><th>flows</th><th>active</th><th>dropped</th><th>HTTP</th></tr></thead><tbody></tbody></table>
    </section>
    <section style="margin-top:14px"><h2>Real servers</h2><div id="farms"></div></section>
  </div>
  <div>
    <section><h2>Sticky tables</h2>
      <table id="sticky"><thead><tr><th>group</th><th>entries</th></tr></thead><tbody></tbody></table>
    </section>
    <section style="margin-top:14px"><h2>FT</h2><div id="ft">–</div></section>
    <section style="margin-top:14px"><h2>Timeline</h2><ul id="timeline"></ul></section>
  </div>
</main>
<script>
(() => {
  const $ = (s) => document.querySelector(s);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; };
  const row = (cells) => { const tr = el('tr'); for (const c of cells) tr.appendChild(c instanceof Node ? c : el('td', c)); return tr; };
  const td = (text, cls) => el('td', text, cls);
  let offset = 0;
  const hhmmss = (atMs) => new Date(atMs + offset).toISOString().slice(11, 19);
  const lastTotals = new Map();
  let lastAt = 0;

  // L7 VIPs only: requests, the 5xx the VIP answered itself (503 no server + 502 bad gateway), and refused (4xx).
  function httpCell(h) {
    if (!h) return td('–', 'http');
    const fivexx = h.noServer + h.badGateway;
    const c = td(h.requests + ' req · ' + fivexx + ' 5xx · ' + h.badRequests + ' refused', fivexx > 0 ? 'http bad' : 'http');
    c.title = '503 no server ' + h.noServer + ', 502 bad gateway ' + h.badGateway + ', header timeouts ' + h.headerTimeouts + ', upgrades ' + h.upgrades + ', tunnels ' + h.tunnels + ', over the parse length ' + h.lengthExceeded;
    return c;
  }

  function renderState(s) {
    offset = s.wallOffsetMs;
    $('#ctx').textContent = 'context ' + s.context;
    $('#clock').textContent = hhmmss(s.atMs) + ' UTC';
    const vb = $('#vips tbody'); vb.replaceChildren();
    for (const v of s.vips) {
      const tr = row([td(v.vip), td(v.address), td(v.protocol + ' ' + v.ports), td(v.state === 'UP' ? 'INSERVICE' : v.state, 'state ' + (v.state === 'UP' ? 'INSERVICE' : v.state)), td(v.counters.flows), td(v.counters.active), td(v.counters.dropped + v.counters.aclDenied), httpCell(v.http)]);
      tr.dataset.vip = v.vip; vb.appendChild(tr);
    }
    const dt = lastAt ? (s.atMs - lastAt) / 1000 : 0;
    const farms = $('#farms'); farms.replaceChildren();
    for (const f of s.farms) {
      const box = el('div', undefined, 'farm'); box.dataset.farm = f.name;
      const h = el('h3', 'serverfarm ' + f.name + ' '); h.appendChild(el('span', f.state, 'state ' + f.state)); box.appendChild(h);
      const t = el('table'); t.appendChild(row(['rserver', 'address', 'state', 'current', 'total', 'conn/s', 'failures', 'probe history'].map((x) => el('th', x))));
      for (const r of f.reals) {
        const key = f.name + '/' + r.rserver + '/' + r.port;
        const prev = lastTotals.get(key); lastTotals.set(key, r.total);
        const rate = dt > 0 && prev !== undefined ? ((r.total - prev) / dt).toFixed(1) : '–';
        const hist = el('td', undefined, 'hist');
        for (const m of r.history) { const sq = el('span', undefined, m.ok ? 'ok' : 'fail'); sq.title = hhmmss(m.atMs) + ' ' + m.cause + ' ' + m.latencyMs + ' ms'; hist.appendChild(sq); }
        const tr = row([td(r.rserver), td(r.address + (r.port ? ':' + r.port : '')), td(r.state, 'state ' + r.state), td(r.current), td(r.total), td(rate), td(r.failures), hist]);
        tr.dataset.real = f.name + '/' + r.rserver; t.appendChild(tr);
      }
      box.appendChild(t); farms.appendChild(box);
    }
    lastAt = s.atMs;
    const sb = $('#sticky tbody'); sb.replaceChildren();
    for (const g of s.sticky) { const tr = row([td(g.group), td(g.size)]); tr.dataset.group = g.group; sb.appendChild(tr); }
    const ft = $('#ft'); ft.replaceChildren();
    if (!s.ft.configured) ft.textContent = 'not configured';
    else for (const g of s.ft.groups) ft.appendChild(el('div', 'group ' + g.id + ': ' + g.myState + ' (peer ' + (g.peerState || 'unknown') + ')'));
    const tl = $('#timeline'); tl.replaceChildren();
    for (const e of s.timeline.slice().reverse()) addLine(e, false);
  }

  function addLine(e, front) {
    const li = el('li'); li.dataset.kind = e.kind;
    li.appendChild(el('span', hhmmss(e.atMs), 't')); li.appendChild(el('span', e.text));
    const tl = $('#timeline');
    if (front) tl.insertBefore(li, tl.firstChild); else tl.appendChild(li);
    while (tl.children.length > 300) tl.removeChild(tl.lastChild);
  }

  const q = new URLSearchParams(location.search);
  const src = new EventSource('events' + (q.get('token') ? '?token=' + encodeURIComponent(q.get('token')) : ''));
  src.addEventListener('open', () => { $('#conn').textContent = 'live'; $('#conn').className = 'live'; });
  src.addEventListener('error', () => { $('#conn').textContent = 'reconnecting…'; $('#conn').className = ''; });
  src.addEventListener('state', (m) => renderState(JSON.parse(m.data)));
  src.addEventListener('timeline', (m) => addLine(JSON.parse(m.data), true));
})();
</script>
</body>
</html>
`;
}
