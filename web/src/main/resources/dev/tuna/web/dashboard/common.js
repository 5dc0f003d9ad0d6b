'use strict';
/* Shared helpers of the dashboard's pages. User-supplied strings (study names, parameters, reasons) only ever
   reach the page as text nodes or URL-encoded attributes: never as HTML. */
const Tuna = {
  async get(path) {
    let r;
    try {
      r = await Tuna.request('GET', path);
    } catch (e) {
      // The browser says only "Failed to fetch".
      throw new Error('cannot reach the Tuna server: is it still running?');
    }
    const body = await r.json();
    if (!r.ok) {
      const told = r.status === 401 && Tuna.readTokenDeclined ? ' (reload the page to give the token)' : '';
      throw Object.assign(new Error((body.detail || ('HTTP ' + r.status)) + told), {status: r.status});
    }
    return body;
  },
  /** Says what the address names does not exist (or names nothing), with a way back, in place of the page's
      sections, which would stand empty under the message. */
  notFound(message) {
    const main = document.querySelector('main');
    for (const child of main.children) if (child.id !== 'error' && child.id !== 'health') child.hidden = true;
    Tuna.clear(document.getElementById('error')).append(message + ' ', Tuna.el('a', {href: '/'}, 'See the list of studies.'));
  },
  /** Sends a change (POST, DELETE) and throws the problem's detail if it is refused. */
  async send(method, path) {
    const r = await Tuna.request(method, path);
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      throw new Error(body.detail || ('HTTP ' + r.status));
    }
  },
  /**
   * Sends a request with the server's API token when one was given. A server bound beyond loopback refuses changes
   * without it (401), one started with --token-for-reads reads too: then the token is asked for, kept in this
   * browser, and the request sent again.
   */
  async request(method, path, body) {
    for (let asked = false; ; asked = true) {
      const headers = {Accept: 'application/json'};
      if (body != null) headers['Content-Type'] = 'application/json';
      const token = localStorage.getItem('tuna-token');
      if (token) headers.Authorization = 'Bearer ' + token;
      const r = await fetch(path, {method, headers, body});
      if (r.status !== 401 || asked) return r;
      // Declined once, a read is not asked for again: the pages read every few seconds, and asked every time.
      if (method === 'GET' && Tuna.readTokenDeclined) return r;
      // A token kept from before that the server refused is wrong (or the server's token changed): say so.
      let given = prompt((token ? 'The server refused the API token kept in this browser. ' : '')
        + 'This server needs its API token for ' + (method === 'GET' ? 'reads' : 'changes') + ': the token it printed'
        + ' at its first start, kept in its data folder\'s api-token file.');
      // A header holds printable ASCII only: anything else would make every later request fail in the browser.
      while (given && !/^[\x21-\x7e]+$/.test(given.trim())) {
        given = prompt('That is not an API token (one word of printable ASCII). The token:');
      }
      if (!given || !given.trim()) {
        if (method === 'GET') Tuna.readTokenDeclined = true;
        return r;
      }
      await Tuna.keepToken(given.trim());
    }
  },
  /**
   * Keeps the API token in this browser, and has the server set its read cookie: an event stream (EventSource) sends
   * no header, and a server whose reads need the token takes a key for reads only from that cookie, which the server
   * sets HttpOnly (the token itself in a cookie went to every port of the host). {@code Tuna.readCookie} is done when
   * the cookie is (or the server refused the token).
   */
  keepToken(token) {
    localStorage.setItem('tuna-token', token);
    document.cookie = 'tuna-token=; path=/api; max-age=0'; // the token's own cookie, from before
    Tuna.readCookie = fetch('/api/read-cookie', {method: 'POST', headers: {Authorization: 'Bearer ' + token}})
      .catch(() => null);
    return Tuna.readCookie;
  },
  /** Done once the read cookie asked for on opening the page is set: event streams open after it. */
  readCookie: Promise.resolve(null),
  /**
   * The buttons a study's state allows: stop what may start trials, resume what is stopped or idle, delete any
   * (after asking). A refusal is said in the page's #action-error until the next action; {@code after(deleted)}
   * runs once an action is done.
   */
  actions(s, after) {
    const buttons = [];
    // Stop and Resume take each other's place: one focus key, so that the keyboard's focus moves to the new button.
    const button = (label, run) => {
      const key = (label === 'Delete' ? 'delete' : 'run') + '\n' + s.name;
      const b = Tuna.el('button', {type: 'button', 'data-action': label.toLowerCase(), 'data-focus': key}, label);
      // A page drawn again while the action is on its way (a live update) must not offer it a second time.
      b.disabled = Tuna.acting.has(key);
      b.addEventListener('click', async () => {
        const focused = document.activeElement === b; // disabling it drops the focus to the page's top
        b.disabled = true;
        Tuna.acting.add(key);
        // The page's refresh clears its own errors; an action's stays until the next action.
        const said = Tuna.clear(document.getElementById('action-error'));
        let deleted = false;
        try {
          deleted = await run() === true;
        } catch (e) {
          said.textContent = s.name + ': ' + e.message;
        } finally {
          Tuna.acting.delete(key);
        }
        // The page is drawn again only if the action changed something; one drawn while the action was on its way
        // (a refresh) replaced the button with one drawn disabled: that one is let go and takes the focus.
        const now = b.isConnected ? b : document.querySelector('[data-focus="' + CSS.escape(key) + '"]') || b;
        now.disabled = false;
        if (focused && now.isConnected && document.activeElement === document.body) now.focus();
        after(deleted);
      });
      return b;
    };
    const path = '/api/studies/' + encodeURIComponent(s.name);
    // A study made in code (no spec: no trials to aim for) runs in its own program, which a server cannot stop.
    if ((s.state === 'running' || s.state === 'scheduled') && s.trials != null) {
      buttons.push(button('Stop', () => Tuna.send('POST', path + '/stop')));
    }
    if ((s.state === 'stopped' || s.state === 'idle') && s.trials != null) {
      buttons.push(button('Resume', () => Tuna.send('POST', path + '/resume')));
    }
    buttons.push(button('Delete', async () => {
      if (!confirm('Delete study ' + s.name + ' and its ' + s.finished + ' finished ' + (s.finished === 1 ? 'trial' : 'trials')
          + '? This cannot be undone.')) {
        return false;
      }
      await Tuna.send('DELETE', path);
      return true;
    }));
    return buttons;
  },
  /** The actions on their way (by their buttons' focus keys). */
  acting: new Set(),
  el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
    return e;
  },
  /**
   * A label of at most {@code room} characters (at least 4), cut in the middle where it is longer: long names often
   * differ only at their end ("layer_1_units", "layer_2_units"; "/data/run-a/best.pt", "/data/run-b/best.pt").
   */
  cut(text, room) {
    room = Math.max(4, room);
    if (text.length <= room) return text;
    const head = Math.ceil((room - 1) / 2);
    return text.slice(0, head) + '\u2026' + text.slice(text.length - (room - 1 - head));
  },
  fmt(v) {
    if (v == null) return '\u2013';
    if (typeof v === 'number') return Tuna.num(v, 6);
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  },
  /** A number in {@code digits} significant digits without trailing zeros: 0.25, -0.5, 1.65085e+6, 6.53583e+200;
      whole numbers below 1e15 in full. */
  num(v, digits) {
    if (!isFinite(v)) return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    const s = v.toPrecision(digits);
    return s.includes('e') ? s.replace(/\.?0+e/, 'e') : s.includes('.') ? s.replace(/\.?0+$/, '') : s;
  },
  /** Tick labels that stay readable from 1e-300 to 1e300 (uPlot's own show "0" below 0.001 and nothing past 1e16). */
  ticks(u, splits) { return splits.map(v => v == null ? '' : Tuna.num(v, 4)); },
  /**
   * Tick positions on a linear axis spaced by one of Tuna.INCRS: uPlot rounds each to the decimals it knows for its own
   * spacings, and knows none below 1e-16, where its loop did not move on (a chart of values about 1e-20 kept the
   * page busy for seconds). Each is a multiple of the spacing, not a sum of them, so that errors do not add up.
   */
  splits(u, axisIdx, min, max, incr) {
    const ticks = [];
    for (let k = Math.ceil(min / incr); k * incr <= max && ticks.length < 1000; k++) {
      ticks.push(Number((k * incr).toPrecision(12)));
    }
    return ticks;
  },
  /** Tick spacings 1, 2 and 5 times every power of ten a double has. */
  INCRS: (() => { const r = []; for (let e = -300; e <= 307; e++) for (const m of [1, 2, 5]) r.push(m * Math.pow(10, e)); return r; })(),
  /** An ISO-8601 instant in the browser's time zone and locale; the instant itself goes in the cell's title. */
  time(iso) { return iso ? new Date(iso).toLocaleString() : '\u2013'; },
  /** Orders two cells: numbers by value, anything else as text, and missing values last in either direction. */
  compare(x, y, dir) {
    if (x == null || y == null) return x == null ? (y == null ? 0 : 1) : -1;
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * dir;
  },
  /** A distribution as a person reads it: "float [0.0001, 0.1] log", "int [1, 8] step 2", "one of a, b". */
  distribution(d) {
    if (!d) return '\u2013';
    if (d.type === 'categorical') return 'one of ' + d.choices.map(c => Tuna.fmt(c)).join(', ');
    return d.type + ' [' + Tuna.fmt(d.low) + ', ' + Tuna.fmt(d.high) + ']' + (d.log ? ' log' : '')
      + (d.step != null && !(d.type === 'int' && d.step === 1) ? ' step ' + Tuna.fmt(d.step) : '');
  },
  param(name) { return new URLSearchParams(location.search).get(name); },
  studyHref(name) { return '/study.html?name=' + encodeURIComponent(name); },
  trialHref(study, n) { return '/trial.html?study=' + encodeURIComponent(study) + '&n=' + encodeURIComponent(n); },
  error(message) { document.getElementById('error').textContent = message; },
  /** Closes an event stream when the page is left: the browser keeps a left page alive (back/forward cache), and
      its open stream would hold one of the six connections a browser allows a host, until pages stop loading.
      {@code reopen} runs if the page is shown again from that cache. */
  closeOnLeave(events, reopen) {
    const leave = () => {
      events.close();
      window.removeEventListener('pagehide', leave);
      window.addEventListener('pageshow', ev => { if (ev.persisted) reopen(); }, {once: true});
    };
    window.addEventListener('pagehide', leave);
  },
  clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; },
  /**
   * Draws a live update: at once, or, while a pointer button is held (a drag to zoom a chart, a press on a
   * button), as soon as it is let go, so that the page is not drawn again under the gesture and cut it short. The
   * focused element (one with an id or a data-focus key) is focused again once the page is drawn.
   */
  live(draw) {
    if (Tuna.pressed) {
      Tuna.afterPress = draw;
      return;
    }
    const focused = document.activeElement;
    const key = focused && focused !== document.body
      ? (focused.id ? '#' + CSS.escape(focused.id)
        : focused.dataset && focused.dataset.focus ? '[data-focus="' + CSS.escape(focused.dataset.focus) + '"]' : null)
      : null;
    draw();
    if (key) {
      const again = document.querySelector(key);
      if (again && again !== document.activeElement) again.focus({preventScroll: true}); // the reader stays put
    }
  },
  pressed: false,
  afterPress: null,
  /** Makes a table header sort on a click or, focused, on Enter or Space; {@code dir} is its current order (1 up,
      -1 down, 0 none), told to screen readers. */
  sortable(th, dir, sort) {
    th.tabIndex = 0;
    th.setAttribute('aria-sort', dir > 0 ? 'ascending' : dir < 0 ? 'descending' : 'none');
    th.addEventListener('click', sort);
    th.addEventListener('keydown', ev => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        sort();
      }
    });
  },
  /** Runs {@code draw} again once the window's width stops changing: charts are drawn as wide as the page was. */
  redrawOnResize(draw) {
    let pending = null, width = window.innerWidth;
    window.addEventListener('resize', () => {
      if (window.innerWidth === width) return; // only a new height: the charts still fit
      width = window.innerWidth;
      clearTimeout(pending);
      pending = setTimeout(draw, 250);
    });
  },
  /**
   * A uPlot chart in a container, replacing what was there; {@code extra} adds uPlot options. The chart already
   * there is kept and given the new data when it is drawn the same way (same title, series, options and width):
   * then a live update leaves the cursor and what the legend names as they were, instead of a new chart under the
   * mouse. The caller can tell by comparing {@code container.tunaPlot} before and after.
   */
  chart(container, title, xLabel, data, series, extra) {
    // A chart the user zoomed into keeps its x range when live updates draw it again.
    const old = container.tunaPlot;
    const oldXs = old ? old.data[0] : [];
    const zoom = oldXs.length && (old.scales.x.min > oldXs[0] || old.scales.x.max < oldXs[oldXs.length - 1])
      ? {min: old.scales.x.min, max: old.scales.x.max} : null;
    const width = Math.max(320, Math.min(1300, container.clientWidth || 900));
    const labels = extra && extra.xLabels;
    // Functions (hooks) are left out: a caller passes the same ones each time.
    const shape = JSON.stringify([title, xLabel, width, data[0].every(Number.isInteger), series, extra]);
    // Only a chart still shown: a message drawn in its place (no trial to show) cleared it from the container.
    if (old && old.tunaShape === shape && container.contains(old.root)) {
      old.setData(data, !zoom);
      if (!labels) Tuna.fitSingleX(old, data[0]);
      return old;
    }
    // A chart drawn anew (its lines changed: a trial started or finished) keeps the cursor where the mouse is.
    const cursor = old && old.cursor.left >= 0 && container.contains(old.root)
      ? {left: old.cursor.left, top: old.cursor.top} : null;
    Tuna.clear(container);
    // Whole-number ticks only where x is whole (trials, steps); elsewhere 1-2-5 ticks of any power of ten, labelled
    // by Tuna.ticks. The y axis is as wide as its longest label, which the default width cut off from 10,000 up.
    // Choices (extra.xLabels, by their index on x) are named on the axis, cut to 16 characters in the middle, as far
    // apart as the longest needs (every k-th of many).
    const named = v => Number.isInteger(v) && v >= 0 && v < labels.length ? labels[v] : null;
    const xAxis = labels ? {label: xLabel, incrs: Tuna.STEPS, space: 12 + 7 * Math.min(16, Math.max(1,
        ...labels.map(l => l.length))), values: (u, splits) => splits.map(v => named(v) == null ? '' : Tuna.cut(named(v), 16))}
      : data[0].every(Number.isInteger) ? {label: xLabel, incrs: Tuna.STEPS}
      : {label: xLabel, incrs: Tuna.INCRS, values: Tuna.ticks};
    const yAxis = {incrs: Tuna.INCRS, values: Tuna.ticks,
      size: (u, values) => Math.max(50, 20 + 8 * Math.max(0, ...(values || []).map(v => String(v).length)))};
    // A linear y range of our own: uPlot's collapsed values below about 1e-16 to a range of 0 to 100.
    const yRange = (u, lo, hi) => {
      if (lo == null || hi == null) return [0, 1];
      const pad = (hi / 2 - lo / 2) * 0.1 || Math.abs(hi) * 0.05 || 1; // halves: hi - lo overflows near 1e308
      // Held inside the doubles: a range out to infinity drew no tick and put every point on one line.
      return [Math.max(-Number.MAX_VALUE, lo - pad), Math.min(Number.MAX_VALUE, hi + pad)];
    };
    // Our tick positions where an axis spaces its ticks by Tuna.INCRS on a linear scale (a log scale, the caller's,
    // keeps uPlot's).
    const logScale = key => Boolean(extra && extra.scales && extra.scales[key] && extra.scales[key].distr === 3);
    if (xAxis.incrs === Tuna.INCRS && !logScale('x')) xAxis.splits = Tuna.splits;
    if (!logScale('y')) yAxis.splits = Tuna.splits;
    const {xLabels, ...rest} = extra || {};
    const opts = Object.assign({title, width, height: rest.height || 300,
      // A choice under the cursor is named, not given as its index on x.
      axes: [xAxis, yAxis], series: [labels ? {label: xLabel, value: (u, v) => v == null ? '\u2013' : named(v) ?? v}
        : {label: xLabel}].concat(series)}, rest);
    // The caller's scales (a log axis) replace ours one axis at a time.
    opts.scales = Object.assign({x: {time: false}, y: {range: yRange}}, extra && extra.scales);
    const plot = new uPlot(opts, data, container);
    plot.tunaShape = shape;
    // (Choices keep the range the caller gave: each of them on the axis.)
    if (zoom) plot.setScale('x', zoom); else if (!labels) Tuna.fitSingleX(plot, data[0]);
    if (cursor) plot.setCursor(cursor);
    container.tunaPlot = plot;
    return plot;
  },
  /**
   * Keeps in {@code boxes} (a Map kept between drawings) one chart box for each of {@code names}, made when new, and
   * drops those of other names from the map and the page: a chart kept keeps its zoom and takes new data in place.
   */
  keptBoxes(boxes, names) {
    for (const [name, box] of boxes) {
      if (!names.includes(name)) { box.remove(); boxes.delete(name); }
    }
    for (const name of names) {
      if (!boxes.has(name)) boxes.set(name, Tuna.el('div', {class: 'chart'}));
    }
  },
  /**
   * Opens a trial's page on a click on the plot (not at the end of a drag, which zooms): the trial that
   * {@code pick(x, y)} names for the mouse's position on the plot, if it names one. Called at each drawing, with
   * the drawing's own pick.
   */
  opensTrial(plot, study, pick) {
    plot.tunaPick = pick;
    if (plot.tunaOpensTrial) return;
    plot.tunaOpensTrial = true;
    let down = null;
    plot.over.addEventListener('mousedown', ev => { down = [ev.clientX, ev.clientY]; });
    plot.over.addEventListener('click', ev => {
      if (down && Math.hypot(ev.clientX - down[0], ev.clientY - down[1]) > 3) return;
      const box = plot.over.getBoundingClientRect();
      const number = plot.tunaPick(ev.clientX - box.left, ev.clientY - box.top);
      if (number != null) location.href = Tuna.trialHref(study, number);
    });
  },
  /** One x value only (a single trial; a slice whose trials all chose the first choice): uPlot ranged 0 to 100. */
  fitSingleX(plot, xs) {
    if (xs.length && xs.every(v => v === xs[0]) && plot.scales.x.distr !== 3) {
      plot.setScale('x', {min: xs[0] - 1, max: xs[0] + 1});
    }
  },
  /**
   * Shows a banner at the top of the page while the server says it cannot save changes (a full disk), or, on a
   * cluster, that no worker is up to run trials.
   */
  async checkHealth() {
    let said = '';
    try {
      const r = await fetch('/api/health', {headers: {Accept: 'application/json'}});
      const h = await r.json();
      if (h.status !== 'ok') said = 'Storage problem: ' + (h.problem || h.status) + '. Nothing new is kept until it is fixed.';
      else if (h.workers === 0) said = 'No worker is up: queued trials wait until one joins (tuna worker --db URL).';
    } catch (e) {
      said = ''; // the page's own requests report a server that cannot be reached
    }
    let banner = document.getElementById('health');
    if (!banner) {
      banner = Tuna.el('p', {id: 'health', class: 'error'});
      document.querySelector('main').prepend(banner);
    }
    banner.textContent = said;
  },
  /** Tick spacings of trial numbers and steps, which are whole. */
  STEPS: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000],
  colors: {COMPLETE: '#06c', PRUNED: '#999', FAIL: '#c00', RUNNING: '#080', WAITING: '#cc0'}
};
Tuna.checkHealth();
setInterval(Tuna.checkHealth, 5000);
// A token kept from before goes in the cookie too, for the event streams of a server whose reads need it.
if (localStorage.getItem('tuna-token')) Tuna.keepToken(localStorage.getItem('tuna-token'));
// While a pointer button is held, live updates wait (see Tuna.live); the one that waited is drawn after the click
// that the release makes has reached the elements it was aimed at. A release the page never sees (a context menu,
// another window taking the mouse) must not stop the updates: those end the wait too, as does a pointer moving with
// no button down, and 5 s at most.
Tuna.release = () => {
  Tuna.pressed = false;
  clearTimeout(Tuna.pressLimit);
  const waiting = Tuna.afterPress;
  Tuna.afterPress = null;
  if (waiting) setTimeout(() => Tuna.live(waiting), 0);
};
document.addEventListener('pointerdown', () => {
  Tuna.pressed = true;
  clearTimeout(Tuna.pressLimit);
  Tuna.pressLimit = setTimeout(Tuna.release, 5000);
}, true);
for (const end of ['pointerup', 'pointercancel', 'contextmenu', 'dragstart']) {
  document.addEventListener(end, Tuna.release, true);
}
document.addEventListener('pointermove', ev => { if (Tuna.pressed && ev.buttons === 0) Tuna.release(); }, true);
window.addEventListener('blur', () => { if (Tuna.pressed) Tuna.release(); });
