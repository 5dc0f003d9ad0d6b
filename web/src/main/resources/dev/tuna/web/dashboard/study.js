'use strict';
const study = Tuna.param('name');
let trials = [];
let sortKey = 'number', sortDir = 1;
/** The trials table shows this many rows a page: thousands of rows made sorting and filtering take a second. */
const PAGE = 100;
let page = 0;
let info = null;
let bestParamsOpen = false; // whether the user opened the best trial's folded parameters

let metric = 'value';
/** The learning curves the server picked for the chooser and the metric (see loadCurves); null before the first. */
let curveView = null;
let curveReads = 0; // curve reads started: only the latest one's answer is kept
/** Parallel coordinates show at most this many parameters unless the user ticks more. */
const MAX_AXES = 8;
let axisChoice = null; // the parameters the user ticked for the parallel coordinates; null: the default
let importanceOrder = []; // parameter names, most important first, once the importance is known
/** Ranges dragged on the parallel coordinates' axes, by axis key ('p:' and a parameter's name, or 'value'): values
    from low to high, or a categorical axis's choices. A trial is selected when its line passes through every range. */
const brushes = new Map();
let selected = null; // the numbers of the completed trials selected by the brushes; null: no brush
let drawnAxes = null; // the parallel coordinates' axes as last drawn, with their x positions and ends, for the mouse
let drawnTimeline = null; // the timeline's bars as last drawn, for the mouse
let contourAxes = null; // the contour's two parameters [x, y] as the user chose them; null: the two most important
let drawnContour = null; // the contour's dots as last drawn, for the mouse
let renameTimeline = () => {}, renameContour = () => {}; // name again what is under the mouse, after a redraw

/**
 * The table's columns: fixed ones around one per parameter (its key 'p:' + name) and one per user attribute (its key
 * 'u:' + name), as the Optuna dashboard's table has.
 */
function columns() {
  const names = paramNames(trials);
  const attrs = [...new Set(trials.flatMap(t => Object.keys(t.userAttrs || {})))];
  // The node that ran each trial, where a cluster ran them.
  const nodes = trials.some(t => t.node) ? [['node', 'Node']] : [];
  return [['number', '#'], ['state', 'State'], ['value', 'Value'], ['lastStep', 'Steps'], ['durationMillis', 'Seconds']]
    .concat(names.map(n => ['p:' + n, n]), attrs.map(n => ['u:' + n, n]), [['device', 'Device']], nodes,
      [['reason', 'Reason']]);
}
/** The parameters the trials have, in the order they first appear. */
function paramNames(list) { return [...new Set(list.flatMap(t => Object.keys(t.params)))]; }
/** The completed trials with a value (of this study, or of {@code list}): what the history, slices and parallel coordinates draw. */
function completed(list = trials) { return list.filter(t => t.state === 'COMPLETE' && typeof t.value === 'number'); }
function cell(t, key) {
  return key.startsWith('p:') ? t.params[key.slice(2)] : key.startsWith('u:') ? (t.userAttrs || {})[key.slice(2)] : t[key];
}
/** A trial's cell as the table shows it. */
function shownText(t, key) {
  const v = cell(t, key);
  if (key === 'number') return '#' + v;
  // A running trial has no value yet: what it reported last, and when, as Ray Tune's table shows.
  if (key === 'value' && v == null && t.lastValue != null) return Tuna.fmt(t.lastValue) + ' (step ' + t.lastStep + ')';
  if (key === 'durationMillis') return (v / 1000).toFixed(2);
  return v == null ? '' : Tuna.fmt(v);
}
function diverged(t) {
  return (t.reason || '').startsWith('diverged') || (t.diagnoses || []).some(d => d.name === 'diverged');
}

/**
 * Reads the study, its trials (without their curves) and the learning curves drawn, then draws the page. With
 * {@code numbers} (the trials live events named), only the trials from the lowest of them on are read again, and
 * those before are kept: reading every trial at each update took seconds with thousands of trials. Trial numbers
 * run from 0 with no gaps, so a trial's number is its place in the list.
 */
async function load(numbers) {
  try {
    const before = info;
    info = await Tuna.get('/api/studies/' + encodeURIComponent(study));
    // Another study of the same name since (deleted and submitted again): none of the trials read are its.
    const replaced = before && before.created !== info.created;
    const from = numbers && numbers.size && !replaced ? Math.min(trials.length, ...numbers) : 0;
    const fresh = await trialsOf(study, from);
    // Drawn again only when something changed: a reload that finds the same (as when the event stream opens)
    // leaves the page, its zoom and what the mouse is over as they are.
    const curvesBefore = curveView;
    await loadCurves();
    const unchanged = JSON.stringify([before, trials.slice(from), curvesBefore])
      === JSON.stringify([info, fresh, curveView]);
    trials = trials.slice(0, from).concat(fresh);
    if (!unchanged) Tuna.live(render);
    Tuna.error('');
  } catch (e) {
    if (e.status === 404) {
      if (info) studyGone(); else Tuna.notFound(e.message + '.');
    } else {
      Tuna.error(e.message);
    }
  }
}

/** A study's trials (without their curves) from number {@code from} on, read a page of 1,000 (the API's most) at a time. */
async function trialsOf(name, from) {
  const all = [];
  for (let offset = from; ; offset += 1000) {
    const page = await Tuna.get('/api/studies/' + encodeURIComponent(name) + '/trials?limit=1000&offset=' + offset);
    all.push(...page.trials);
    if (page.trials.length < 1000) return all;
  }
}

let loaded = Promise.resolve(); // the page's first read of the study: the stream's opening reads on from it

/**
 * Reads the learning curves the chooser and the metric ask for: the server picks the trials (the latest 60, the best
 * 60 or the running ones) and sends their one curve, not every trial's every curve. Of reads that overlap (a chooser
 * changed during an update), the latest started is kept.
 */
async function loadCurves() {
  const read = ++curveReads;
  const view = await Tuna.get('/api/studies/' + encodeURIComponent(study) + '/curves?metric='
    + encodeURIComponent(metric) + '&of=' + document.getElementById('curves-of').value);
  if (read === curveReads) curveView = view;
}

/** Reads and draws the curves again (the chooser or the metric changed). */
function redrawCurves() {
  loadCurves().then(curves, e => { if (e.status === 404) studyGone(); else Tuna.error(e.message); });
}

/** The number of the first trial that may still change (trials are numbered from 0 with no gaps, and a finished
    trial never changes): all before it are read once and for all. */
function firstUnfinished() {
  const k = trials.findIndex(t => !['COMPLETE', 'PRUNED', 'FAIL'].includes(t.state));
  return k < 0 ? trials.length : k;
}

function render() {
  document.title = 'Tuna: ' + info.name;
  document.getElementById('title').textContent = info.name;
  const summary = Tuna.clear(document.getElementById('summary'));
  summary.append(Tuna.el('dl', {},
    Tuna.el('dt', {}, 'State'), Tuna.el('dd', {}, info.state
      + (info.timedOut ? ' (its timeout ran out: resume it to go on, with the timeout again)' : '')),
    Tuna.el('dt', {}, 'Direction'), Tuna.el('dd', {}, info.direction),
    // A scheduled study runs its trials at each firing of its cron expression: no total to be a share of.
    Tuna.el('dt', {}, 'Progress'), Tuna.el('dd', {id: 'progress'}, info.finished + (info.trials == null ? ''
      : info.cron ? ' (' + info.trials + ' a run, on cron ' + info.cron + ')' : ' / ' + info.trials)
      + (info.exhausted ? ' (its grid is used up: every point was tried)' : '')),
    Tuna.el('dt', {}, 'Sampler'), Tuna.el('dd', {}, info.sampler || '\u2013'),
    Tuna.el('dt', {}, 'Pruner'), Tuna.el('dd', {}, info.pruner || '\u2013'),
    Tuna.el('dt', {}, 'Trainable'), Tuna.el('dd', {}, info.trainable || '\u2013'),
    // Counted from the trials the table shows: the study is read before its trials, and its own counts could be a
    // trial ahead of the table until the next update.
    Tuna.el('dt', {}, 'Trials'), Tuna.el('dd', {id: 'counts'}, Object.keys(info.counts || {})
      .map(state => [state, trials.filter(t => t.state.toLowerCase() === state).length])
      .filter(([, n]) => n > 0).map(([state, n]) => n + ' ' + state).join(', ') || 'none yet')));
  // The study's user attributes (set in code), one line each under a heading of their own: an attribute named
  // "State" is not the study's state.
  const attrs = Object.entries(info.userAttrs || {});
  if (attrs.length) {
    summary.append(Tuna.el('h3', {}, 'User attributes'), Tuna.el('dl', {id: 'user-attrs'}, ...attrs.flatMap(([key, value]) =>
      [Tuna.el('dt', {class: 'user-attr'}, key), Tuna.el('dd', {class: 'user-attr'}, Tuna.fmt(value))])));
  }
  // Stop, resume and delete here too, as on the list; a deleted study's page has nothing left to show.
  Tuna.clear(document.getElementById('study-actions')).append(...Tuna.actions(info, deleted => {
    if (deleted) location.href = '/'; else load(new Set([firstUnfinished()]));
  }));
  // Read from the element itself: its toggle event comes a task after a click, and an update in between lost it.
  const shown = document.getElementById('best-params');
  if (shown) bestParamsOpen = shown.open;
  const best = Tuna.clear(document.getElementById('best'));
  if (info.best) {
    best.append('Best trial: ', Tuna.el('a', {id: 'best-link', href: Tuna.trialHref(info.name, info.best.number)},
      '#' + info.best.number), ' value ', Tuna.el('span', {class: 'best', id: 'best-value'}, Tuna.fmt(info.best.value)));
    // Up to 8 parameters on the line; more (a study may have 80) fold away behind a summary that says how many.
    const params = Object.entries(info.best.params).map(([k, v]) => k + ' = ' + Tuna.fmt(v));
    if (params.length <= 8) {
      best.append(' with ', params.join(', '));
    } else {
      const more = Tuna.el('details', {id: 'best-params'},
        Tuna.el('summary', {}, 'and ' + (params.length - 8) + ' more'), params.slice(8).join(', '));
      more.open = bestParamsOpen; // as the user left it: live updates draw the line again
      best.append(' with ', params.slice(0, 8).join(', '), ' ', more);
    }
  }
  document.getElementById('saved').textContent = savedByPruning();
  historyChart();
  edf();
  curves();
  slices();
  contour();
  parallel();
  selectionNote();
  timeline();
  table();
  importance();
}

/** Whether a parameter is on a log scale, as the first trial that has it says. */
function isLog(name) {
  const d = (info.distributions || {})[name];
  return Boolean(d && d.log);
}

/** A categorical parameter's choices as text, in the order its distribution declares them (as Optuna's dashboard
    shows them), then any other value seen. */
function choiceOrder(name, seen) {
  const d = (info.distributions || {})[name];
  return [...new Set((d && d.choices ? d.choices : []).concat(seen).map(String))];
}

/** The parameters the parallel coordinates show: the user's choice, or all, or the most important MAX_AXES. */
function parallelNames(names) {
  if (axisChoice) return names.filter(n => axisChoice.has(n));
  if (names.length <= MAX_AXES) return names;
  const ranked = importanceOrder.filter(n => names.includes(n)).concat(names.filter(n => !importanceOrder.includes(n)));
  // An axis with a selected range stays while the importance ranking moves, so that the selection does not change
  // under the user.
  const keep = new Set(ranked.slice(0, MAX_AXES).concat(names.filter(n => brushes.has('p:' + n))));
  return names.filter(n => keep.has(n));
}

/** A checkbox per parameter, ticked for those drawn; ticking changes the choice and redraws. The boxes are built
    again only when the parameters change, so that a tick keeps its focus. */
function axisChooser(names, shown) {
  const box = document.getElementById('parallel-axes');
  if (box.dataset.names !== names.join('\n')) {
    Tuna.clear(box).dataset.names = names.join('\n');
    if (names.length <= 1) return;
    box.append(Tuna.el('span', {class: 'axes-note'}));
    for (const name of names) {
      const tick = Tuna.el('input', {type: 'checkbox', 'data-param': name});
      tick.addEventListener('change', () => {
        axisChoice = new Set([...box.querySelectorAll('input:checked')].map(i => i.dataset.param));
        parallel();
        selectionNote(); // a range on an axis taken away no longer selects
        table();
        slices();
      });
      box.append(Tuna.el('label', {}, tick, name));
    }
  }
  for (const tick of box.querySelectorAll('input')) tick.checked = shown.includes(tick.dataset.param);
  const note = box.querySelector('.axes-note');
  if (note) {
    note.textContent = (shown.length < names.length ? 'Showing ' + shown.length + ' of ' + names.length + ' parameters'
      + (axisChoice ? '' : ' (the most important)') : 'Parameters') + ' here and in the slices: ';
  }
}

/**
 * A numeric axis of the parallel coordinates, from the lowest value (0) to the highest (1). Its selected range is
 * kept as values, not positions, so that it selects the same trials when new ones widen the axis or the scale
 * turns logarithmic.
 */
function numericAxis(key, name, valueOf, values, log) {
  const pos = v => log ? Math.log(v) : v;
  const lo = Math.min(...values.map(pos)), hi = Math.max(...values.map(pos));
  const unit = v => hi > lo ? (pos(v) - lo) / (hi - lo) : 0.5;
  const value = u => { const p = lo + u * (hi - lo); return log ? Math.exp(p) : p; };
  return {key, name, kind: 'numeric', ticks: [[0, Tuna.fmt(Math.min(...values))], [1, Tuna.fmt(Math.max(...values))]],
    at: t => { const v = valueOf(t); return v == null ? NaN : unit(v); },
    // A range dragged to an end of the axis takes in what lies beyond it, as new trials may.
    select: (u0, u1) => ({kind: 'numeric', low: u0 <= 0 ? -Infinity : value(u0), high: u1 >= 1 ? Infinity : value(u1)}),
    covers: (t, range) => { const v = valueOf(t); return v != null && v >= range.low && v <= range.high; },
    span: range => [range.low, range.high].map(v => v === -Infinity ? 0 : v === Infinity ? 1
      : Math.min(1, Math.max(0, unit(v)))),
    // The typed way to a range: an empty end is open.
    typed: (from, to) => {
      const read = (text, end, open) => {
        if (text.trim() === '') return open;
        const v = Number(text.trim());
        if (Number.isNaN(v)) throw new Error(end + ': ' + JSON.stringify(text) + ' is not a number');
        return v;
      };
      const low = read(from, 'from', -Infinity), high = read(to, 'to', Infinity);
      if (log && low <= 0) throw new Error('from: ' + low + ' is not above 0, and this axis is logarithmic');
      if (log && high <= 0) throw new Error('to: ' + high + ' is not above 0, and this axis is logarithmic');
      if (low > high) throw new Error('from: ' + low + ' is above to (' + high + ')');
      return {kind: 'numeric', low, high};
    },
    ends: range => [range.low, range.high].map(v => Number.isFinite(v) ? String(v) : '')};
}

/** A categorical axis: its choices evenly spaced, each named where its lines meet the axis; a range selects choices. */
function categoricalAxis(key, name, valueOf, values) {
  const choices = choiceOrder(name, values);
  const unit = i => choices.length > 1 ? i / (choices.length - 1) : 0.5;
  const units = picked => picked.map(c => choices.indexOf(c)).filter(i => i >= 0).map(unit);
  return {key, name, kind: 'categorical', ticks: choices.map((c, i) => [unit(i), c]),
    at: t => { const v = valueOf(t); return v == null ? NaN : unit(choices.indexOf(String(v))); },
    select: (u0, u1) => ({kind: 'categorical', choices: choices.filter((c, i) => unit(i) >= u0 && unit(i) <= u1)}),
    covers: (t, range) => { const v = valueOf(t); return v != null && range.choices.includes(String(v)); },
    span: range => { const u = units(range.choices); return u.length ? [Math.min(...u), Math.max(...u)] : null; },
    // Typed, a range runs from one choice to another in the axis's order.
    typed: (from, to) => {
      const index = (text, end, open) => {
        if (text.trim() === '') return open;
        const i = choices.includes(text) ? choices.indexOf(text) : choices.indexOf(text.trim());
        if (i < 0) throw new Error(end + ': no choice ' + JSON.stringify(text) + ' (the choices: ' + choices.join(', ') + ')');
        return i;
      };
      const i = index(from, 'from', 0), j = index(to, 'to', choices.length - 1);
      if (i > j) throw new Error('from: ' + JSON.stringify(choices[i]) + ' comes after to (' + JSON.stringify(choices[j]) + ')');
      return {kind: 'categorical', choices: choices.slice(i, j + 1)};
    },
    ends: range => [range.choices[0], range.choices[range.choices.length - 1]]};
}

/** Parallel coordinates of the completed trials: one axis per parameter and one for the value, best trials darkest. */
function parallel() {
  const canvas = document.getElementById('parallel');
  // Drawn as wide as it is shown (CSS makes it fill its line, up to 1300 px).
  const width = Math.max(400, canvas.clientWidth || 1000), height = canvas.clientHeight || 320;
  const density = window.devicePixelRatio || 1;
  const g = blankDrawing(canvas, width, height, density);
  const done = completed();
  const all = paramNames(done);
  const names = parallelNames(all);
  axisChooser(all, names);
  canvas.dataset.axes = names.join('\n');
  if (done.length === 0) {
    drawnAxes = null;
    selected = null;
    document.getElementById('range-form').hidden = true;
    g.font = '14px sans-serif';
    g.fillStyle = '#666';
    g.fillText('No completed trial yet.', 20, 30);
    return;
  }
  // A conditional parameter's missing values leave a gap in the line; a log-scale one gets a log axis.
  const axes = names.map(name => {
    const values = done.map(t => t.params[name]).filter(v => v != null);
    return values.every(v => typeof v === 'number') ? numericAxis('p:' + name, name, t => t.params[name], values,
      isLog(name)) : categoricalAxis('p:' + name, name, t => t.params[name], values);
  });
  // The value axis follows the history's log-scale box (when every value is positive): one outlier squashed it.
  const values = done.map(t => t.value);
  const logValue = document.getElementById('log-scale').checked && values.every(v => v > 0);
  axes.push(numericAxis('value', 'value' + (logValue ? ' (log)' : ''), t => t.value, values, logValue));
  const left = 100, right = width - 100, top = 30, bottom = height - 30;
  const x = i => left + (right - left) * i / (axes.length - 1 || 1);
  const y = u => bottom - (bottom - top) * u;
  // A range on an axis no longer drawn (its parameter unticked) selects nothing; nor does one of another kind (a
  // parameter whose values turned from numbers to choices).
  for (const [key, range] of [...brushes]) {
    if (!axes.some(a => a.key === key && a.kind === range.kind)) brushes.delete(key);
  }
  const inside = t => axes.every(a => !brushes.has(a.key) || a.covers(t, brushes.get(a.key)));
  selected = brushes.size ? new Set(done.filter(inside).map(t => t.number)) : null;
  drawnAxes = {axes, xs: axes.map((a, i) => x(i)), top, bottom, width, height};
  rangeAxes(axes);
  const maximize = info.direction === 'maximize';
  const ranked = done.slice().sort((a, b) => maximize ? a.value - b.value : b.value - a.value);
  // Lines outside the selection first, in grey, so that the selected ones are drawn over them.
  const order = selected ? ranked.map((t, k) => [t, k]).sort(([a], [b]) => selected.has(a.number) - selected.has(b.number))
    : ranked.map((t, k) => [t, k]);
  order.forEach(([t, k]) => {
    const strength = (k + 1) / ranked.length;
    const chosen = !selected || selected.has(t.number);
    g.strokeStyle = chosen ? 'rgba(0, 102, 204, ' + (0.15 + 0.85 * strength * strength).toFixed(3) + ')'
      : 'rgba(150, 150, 150, 0.18)';
    g.lineWidth = chosen && k === ranked.length - 1 ? 2.5 : 1;
    g.beginPath();
    let drawing = false;
    axes.forEach((a, i) => {
      const u = a.at(t);
      if (Number.isNaN(u)) return; // a conditional parameter the trial lacks: the line goes on to its next axis
      if (drawing) g.lineTo(x(i), y(u)); else g.moveTo(x(i), y(u));
      drawing = true;
    });
    g.stroke();
  });
  g.fillStyle = '#222';
  g.strokeStyle = '#444';
  g.lineWidth = 1;
  g.font = '12px sans-serif';
  g.textAlign = 'center';
  // Names and end labels no wider than the gap between axes (28 characters at most), so that neighbours do not
  // overlap.
  const room = Math.min(28, Math.floor((right - left) / (axes.length - 1 || 1) / 7));
  const fit = text => Tuna.cut(text, room);
  axes.forEach((a, i) => {
    const span = brushes.has(a.key) ? a.span(brushes.get(a.key)) : null;
    if (span) {
      const [from, to] = [y(span[1]) - 3, y(span[0]) + 3]; // a range of one point still shows
      g.fillStyle = 'rgba(255, 170, 0, 0.3)';
      g.fillRect(x(i) - 8, from, 16, to - from);
      g.strokeRect(x(i) - 8, from, 16, to - from);
      g.fillStyle = '#222';
    }
    g.beginPath(); g.moveTo(x(i), top); g.lineTo(x(i), bottom); g.stroke();
    g.textAlign = 'center';
    g.fillText(fit(a.name), x(i), top - 14);
    // Many choices: every k-th named, at least 14 px apart (the ends always).
    const every = labelEvery((bottom - top) / Math.max(1, a.ticks.length - 1), 14);
    for (const [j, [u, text]] of a.ticks.entries()) {
      if (j % every !== 0 && u !== 0 && u !== 1) continue;
      if (u === 1) g.fillText(fit(String(text)), x(i), top - 2);
      else if (u === 0) g.fillText(fit(String(text)), x(i), bottom + 14);
      else { g.textAlign = 'left'; g.fillText(fit(String(text)), x(i) + 4, y(u) + 4); g.textAlign = 'center'; }
    }
  });
}

/** The parameters of the completed trials (the contour's choices), the most important first. */
function contourNames(done) {
  const names = paramNames(done);
  return importanceOrder.filter(n => names.includes(n)).concat(names.filter(n => !importanceOrder.includes(n)));
}

/**
 * The contour's axis of a parameter: numeric (log in log space), or its choices spread evenly with half a step of
 * room at each end, so that no choice's dots sit on the frame.
 */
function contourAxis(key, name, values) {
  const valueOf = t => t.params[name];
  if (values.every(v => typeof v === 'number')) return numericAxis(key, name, valueOf, values, isLog(name));
  const axis = categoricalAxis(key, name, valueOf, values);
  const n = axis.ticks.length;
  const padded = u => (u * (n - 1) + 0.5) / n;
  return {...axis, at: t => padded(axis.at(t)), ticks: axis.ticks.map(([u, choice]) => [padded(u), choice])};
}

/** Of labels {@code spacing} px apart, every how many to draw so that those drawn are at least {@code least} px apart. */
function labelEvery(spacing, least) {
  return Math.max(1, Math.ceil(least / spacing));
}

/** A colour from the palest (0, the worst value) to the darkest blue (1, the best), as the parallel coordinates. */
function goodness(g) {
  const mix = (a, b) => Math.round(a + (b - a) * g);
  return 'rgb(' + mix(238, 0) + ',' + mix(242, 70) + ',' + mix(250, 160) + ')';
}

/**
 * The value over two parameters (the two most important, or those chosen): each completed trial a dot where its
 * values put it, in the colour of its value (darker is better), and the space between coloured by the values of the
 * trials near it (inverse-distance weighting in the drawn axes, log ones in log space, a categorical parameter's
 * choices evenly spaced in the order of its distribution, as Optuna's contour places them). That is an interpolation
 * of what was tried, not a model: far from every dot, the colour says little.
 */
function contour() {
  const canvas = document.getElementById('contour');
  const note = document.getElementById('contour-note');
  const done = completed().filter(t => isFinite(t.value));
  const names = contourNames(done);
  const [xName, yName] = contourAxes && names.includes(contourAxes[0]) && names.includes(contourAxes[1]) ? contourAxes
    : names.slice(0, 2);
  for (const [id, chosen] of [['contour-x', xName], ['contour-y', yName]]) {
    const select = document.getElementById(id);
    // Built again only when the names change, so that a select keeps its focus.
    if (select.dataset.names !== names.join('\n')) {
      Tuna.clear(select).dataset.names = names.join('\n');
      for (const n of names) select.append(Tuna.el('option', {value: n}, n));
    }
    select.value = chosen || '';
  }
  const shown = done.filter(t => t.params[xName] != null && t.params[yName] != null);
  // Nothing to draw: the note says why, with no empty canvas and choosers above it.
  const drawable = names.length >= 2 && shown.length > 0;
  canvas.hidden = !drawable;
  for (const id of ['contour-x', 'contour-y']) document.getElementById(id).parentElement.hidden = !drawable;
  const width = Math.max(400, canvas.clientWidth || 800), height = canvas.clientHeight || 360;
  const density = window.devicePixelRatio || 1;
  // Drawn again only when it would change (a completed trial never does): a live update of a running trial's step
  // cost a full interpolation, several times a second.
  const key = JSON.stringify([xName, yName, width, height, density, names.length, shown.length,
    shown.length ? shown[shown.length - 1].number : -1, info.best && info.best.number, info.direction,
    canvas.dataset.chosen]);
  if (canvas.dataset.drawn === key) return;
  canvas.dataset.drawn = key;
  const g = blankDrawing(canvas, width, height, density);
  if (!drawable) {
    drawnContour = null;
    note.textContent = done.length === 0 ? 'No completed trial' + (info.state === 'complete' ? '.' : ' yet.')
      : 'The contour needs two parameters.';
    canvas.setAttribute('aria-label', note.textContent);
    renameContour(); // nothing is under the mouse any more
    return;
  }
  const xAxis = contourAxis('x', xName, shown.map(t => t.params[xName]));
  const yAxis = contourAxis('y', yName, shown.map(t => t.params[yName]));
  // Darker is better, by rank (the best 1, the worst 0, ties alike): values often span decades, and on a linear
  // scale one bad trial made all the others look alike.
  const maximize = info.direction === 'maximize';
  const ranked = shown.map(t => t.value).sort((a, b) => maximize ? b - a : a - b);
  // The colour bar's labels: the best value, the median and the worst, with room for the longest (-1.57465e+301).
  const labels = [ranked[0], ranked[Math.floor((ranked.length - 1) / 2)], ranked[ranked.length - 1]].map(Tuna.fmt);
  g.font = '12px sans-serif';
  const labelWidth = Math.max(...labels.map(text => g.measureText(text).width));
  const left = 80, right = width - 60 - labelWidth, top = 12, bottom = height - 42;
  const px = u => left + (right - left) * u, py = u => bottom - (bottom - top) * u;
  const places = new Map(); // each value's first and last place
  ranked.forEach((v, i) => places.set(v, [places.has(v) ? places.get(v)[0] : i, i]));
  const good = v => {
    const [first, last] = places.get(v);
    return ranked.length > 1 ? 1 - (first + last) / 2 / (ranked.length - 1) : 1;
  };
  const dots = shown.map(t => ({t, u: xAxis.at(t), v: yAxis.at(t), good: good(t.value)}));
  // The space between, in cells of 8 px, from at most 1,000 trials (spread over them all).
  const step = Math.ceil(dots.length / 1000);
  const near = dots.filter((d, i) => i % step === 0);
  const cell = 8;
  for (let x = left; x < right; x += cell) {
    for (let y = top; y < bottom; y += cell) {
      const u = (Math.min(x + cell / 2, right) - left) / (right - left), v = (bottom - Math.min(y + cell / 2, bottom)) / (bottom - top);
      let sum = 0, weights = 0;
      for (const d of near) {
        const w = 1 / ((d.u - u) ** 2 + (d.v - v) ** 2 + 1e-4);
        sum += w * d.good;
        weights += w;
      }
      g.fillStyle = goodness(sum / weights);
      g.fillRect(x, y, Math.min(cell, right - x), Math.min(cell, bottom - y));
    }
  }
  g.strokeStyle = '#444';
  g.lineWidth = 1;
  g.strokeRect(left, top, right - left, bottom - top);
  const bestNumber = info.best ? info.best.number : -1;
  drawnContour = {dots: [], width, height, x: xName, y: yName, frame: {left, right, top, bottom}};
  // The best drawn last, over the others.
  for (const d of dots.slice().sort((a, b) => a.good - b.good || (a.t.number === bestNumber) - (b.t.number === bestNumber))) {
    const x = px(d.u), y = py(d.v);
    drawnContour.dots.push({t: d.t, x, y});
    g.beginPath();
    g.arc(x, y, d.t.number === bestNumber ? 5 : 3.5, 0, 2 * Math.PI);
    g.fillStyle = goodness(d.good);
    g.fill();
    g.lineWidth = d.t.number === bestNumber ? 2.5 : 1;
    g.strokeStyle = d.t.number === bestNumber ? '#e60' : '#333';
    g.stroke();
  }
  const chosen = drawnContour.dots.find(d => String(d.t.number) === canvas.dataset.chosen);
  if (chosen) markChosen(g, chosen.x - 8, chosen.y - 8, chosen.x + 8, chosen.y + 8);
  // Axes: a numeric parameter's lowest and highest value at its ends, a categorical one's choices where they lie
  // (cut to the room each has); the names between.
  g.strokeStyle = '#444';
  g.lineWidth = 1;
  g.fillStyle = '#222';
  g.font = '12px sans-serif';
  if (xAxis.kind === 'numeric') {
    g.textAlign = 'left';
    g.fillText(xAxis.ticks[0][1], left, bottom + 16);
    g.textAlign = 'right';
    g.fillText(xAxis.ticks[1][1], right, bottom + 16);
  } else {
    g.textAlign = 'center';
    // Many choices: every k-th named, so that names do not run into each other.
    const spacing = (right - left) / xAxis.ticks.length, every = labelEvery(spacing, 40);
    const room = Math.floor(spacing * every / 7) - 1; // a character's room between neighbours
    xAxis.ticks.forEach(([u, choice], i) => { if (i % every === 0) g.fillText(Tuna.cut(choice, room), px(u), bottom + 16); });
  }
  g.textAlign = 'right';
  if (yAxis.kind === 'numeric') {
    g.fillText(yAxis.ticks[0][1], left - 6, bottom);
    g.fillText(yAxis.ticks[1][1], left - 6, top + 10);
  } else {
    // The choices take the room beside the frame; the name goes to the canvas's edge.
    const every = labelEvery((bottom - top) / yAxis.ticks.length, 14);
    yAxis.ticks.forEach(([u, choice], i) => { if (i % every === 0) g.fillText(Tuna.cut(choice, 7), left - 6, py(u) + 4); });
  }
  g.textAlign = 'center';
  g.fillText(xName + (isLog(xName) ? ' (log)' : ''), (left + right) / 2, bottom + 32);
  g.save();
  g.translate(yAxis.kind === 'numeric' ? left - 14 : 12, (top + bottom) / 2);
  g.rotate(-Math.PI / 2);
  g.fillText(yName + (isLog(yName) ? ' (log)' : ''), 0, 0);
  g.restore();
  // The colour bar: the best value at its top, the median halfway, the worst at its bottom, named beside it.
  const bar = right + 30;
  for (let y = top; y < bottom; y++) {
    g.fillStyle = goodness((bottom - y) / (bottom - top));
    g.fillRect(bar, y, 14, 1);
  }
  g.strokeRect(bar, top, 14, bottom - top);
  g.textAlign = 'left';
  g.fillStyle = '#222'; // the loop left the bar's palest colour, and the labels were all but invisible
  g.fillText(labels[0], bar + 18, top + 10);
  g.fillText(labels[1], bar + 18, (top + bottom) / 2 + 4);
  g.fillText(labels[2], bar + 18, bottom);
  note.textContent = shown.length + (shown.length === 1 ? ' completed trial' : ' completed trials') + ' by ' + xName
    + ' and ' + yName + '; the colours between them are interpolated from the nearest. Colours go by rank (darker is'
    + ' better), not by value: the scale\'s labels are the best, the median and the worst.';
  canvas.setAttribute('aria-label', 'Contour of the value over ' + xName + ' and ' + yName + ': ' + note.textContent
    + ' The arrow keys step through its trials, Enter opens one.');
  renameContour();
}

/** The contour's two parameter choosers, and the dot under the mouse named and opened on a click. */
function contourPointing() {
  const canvas = document.getElementById('contour');
  const focus = document.getElementById('contour-focus');
  const x = document.getElementById('contour-x'), y = document.getElementById('contour-y');
  for (const [select, other] of [[x, y], [y, x]]) {
    select.addEventListener('change', () => {
      // One parameter on both axes says nothing: the other axis takes the one this axis had.
      const had = drawnContour ? (select === x ? drawnContour.x : drawnContour.y) : null;
      if (select.value === other.value && had) other.value = had;
      contourAxes = [x.value, y.value];
      contour();
    });
  }
  renameContour = pointing(canvas, focus, ev => {
    if (!drawnContour) return null;
    const [px, py] = drawingPoint(canvas, ev, drawnContour);
    let best = null, distance = 6;
    for (const d of drawnContour.dots) {
      const far = Math.hypot(d.x - px, d.y - py);
      if (far <= distance) { best = d; distance = far; }
    }
    return best;
  }, d => '#' + d.t.number + ': ' + drawnContour.x + ' ' + Tuna.fmt(d.t.params[drawnContour.x]) + ', '
    + drawnContour.y + ' ' + Tuna.fmt(d.t.params[drawnContour.y]) + ', value ' + Tuna.fmt(d.t.value),
  () => drawnContour ? drawnContour.dots : [], contour);
}

/**
 * Names the trial drawn under the mouse on a canvas ({@code find} gives it, {@code describe} names it) and opens it on
 * a click. From the keyboard, the canvas takes the focus, the arrow keys step through the trials drawn ({@code
 * drawn()}, in trial order), and Enter opens the one named; the one stepped to is kept in the canvas's {@code
 * data-chosen} for {@code redraw()} to mark it. Returns what names it again after a redraw: a live update moves what
 * is drawn (the timeline's axis grows), and the name left from the last move, and the click, then went to a trial no
 * longer there.
 */
function pointing(canvas, focus, find, describe, drawn, redraw) {
  let last = null; // the pointer's last move over the canvas
  const say = (hit, how) => { focus.textContent = hit ? describe(hit) + ' (' + how + ' to open)' : ''; };
  const name = ev => {
    const hit = find(ev);
    canvas.style.cursor = hit ? 'pointer' : '';
    say(hit, 'click');
  };
  canvas.addEventListener('pointermove', ev => { last = ev; name(ev); });
  canvas.addEventListener('pointerleave', () => { last = null; focus.textContent = ''; });
  canvas.addEventListener('click', ev => {
    const hit = find(ev);
    if (hit) location.href = Tuna.trialHref(study, hit.t.number);
  });
  canvas.tabIndex = 0;
  canvas.addEventListener('keydown', ev => {
    const items = drawn().slice().sort((a, b) => a.t.number - b.t.number);
    if (items.length === 0) return;
    const at = items.findIndex(item => String(item.t.number) === canvas.dataset.chosen);
    const steps = {ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1};
    let next = null;
    if (ev.key in steps) next = items[Math.max(0, Math.min(items.length - 1, at < 0 ? 0 : at + steps[ev.key]))];
    else if (ev.key === 'Home') next = items[0];
    else if (ev.key === 'End') next = items[items.length - 1];
    else if (ev.key === 'Enter' && at >= 0) location.href = Tuna.trialHref(study, items[at].t.number);
    else return;
    ev.preventDefault();
    if (next) {
      canvas.dataset.chosen = next.t.number;
      redraw();
      say(next, 'Enter');
    }
  });
  canvas.addEventListener('blur', () => {
    focus.textContent = '';
    if ('chosen' in canvas.dataset) {
      delete canvas.dataset.chosen;
      redraw();
    }
  });
  return () => { if (last) name(last); };
}

/** A length of time, to the second from 10 s on: "840 ms", "2.5 s", "3 min 5 s", "2 h 7 min". */
function elapsed(ms) {
  if (ms < 1000) return ms > 0 ? Math.round(ms) + ' ms' : '0 s';
  if (ms < 60000) {
    const s = ms / 1000;
    return (Number.isInteger(s) || s >= 10 ? Math.round(s) : s.toFixed(1)) + ' s';
  }
  const s = Math.round(ms / 1000);
  if (s < 3600) return Math.floor(s / 60) + ' min' + (s % 60 ? ' ' + s % 60 + ' s' : '');
  const m = Math.round(s / 60);
  return Math.floor(m / 60) + ' h' + (m % 60 ? ' ' + m % 60 + ' min' : '');
}

/** The most trials that ran at the same time, from their [from, to] spans (one ending as another starts: not both). */
function mostAtOnce(spans) {
  const events = spans.flatMap(b => [[b.from, 1], [b.to, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0, most = 0;
  for (const [, change] of events) most = Math.max(most, now += change);
  return most;
}

/**
 * The timeline: a bar per trial, from its start to its end (to now while it runs), in its state's colour, a row per
 * trial number from the first at the top. It shows how many trials ran at once (what a cluster's workers and a
 * study's parallelism gave) and where the time went (pruned trials short, failed ones at once, waits between).
 */
function timeline() {
  const canvas = document.getElementById('timeline');
  const note = document.getElementById('timeline-note');
  const width = Math.max(400, canvas.clientWidth || 1000), height = canvas.clientHeight || 220;
  const density = window.devicePixelRatio || 1;
  const g = blankDrawing(canvas, width, height, density);
  const now = Date.now();
  const spans = trials.filter(t => t.start).map(t => {
    const from = Date.parse(t.start);
    return {t, from, to: Math.max(from, t.end ? Date.parse(t.end) : now)};
  });
  if (spans.length === 0) {
    drawnTimeline = null;
    note.textContent = 'No trial has started yet.';
    canvas.setAttribute('aria-label', note.textContent);
    renameTimeline(); // nothing is under the mouse any more
    return;
  }
  const first = Math.min(...spans.map(b => b.from)), last = Math.max(...spans.map(b => b.to));
  const length = Math.max(last - first, 10); // a single instant has no width
  const low = Math.min(...spans.map(b => b.t.number)), high = Math.max(...spans.map(b => b.t.number));
  const left = 70, right = width - 20, top = 10, bottom = height - 30;
  const row = (bottom - top) / (high - low + 1);
  const x = ms => left + (right - left) * (ms - first) / length;
  const y = number => top + (number - low) * row;
  for (const b of spans) {
    b.x0 = x(b.from);
    b.x1 = Math.max(b.x0 + 1, x(b.to)); // an instant still shows
    b.y0 = y(b.t.number);
    b.y1 = b.y0 + Math.max(1, row * 0.8);
    g.fillStyle = Tuna.colors[b.t.state] || '#333';
    g.fillRect(b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
  }
  const chosen = spans.find(b => String(b.t.number) === canvas.dataset.chosen);
  if (chosen) markChosen(g, chosen.x0 - 3, chosen.y0 - 3, chosen.x1 + 3, chosen.y1 + 3);
  g.strokeStyle = '#444';
  g.fillStyle = '#222';
  g.font = '12px sans-serif';
  g.beginPath(); g.moveTo(left, bottom + 2); g.lineTo(right, bottom + 2); g.stroke();
  // Ticks at whole milliseconds, seconds, minutes or hours, about 100 px apart.
  const steps = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
    3600, 7200, 21600, 43200, 86400].map(v => v * 1000);
  const step = steps.find(v => (right - left) * v / length >= 100) || steps[steps.length - 1];
  g.textAlign = 'center';
  for (let v = 0; v <= length; v += step) {
    g.beginPath(); g.moveTo(x(first + v), bottom + 2); g.lineTo(x(first + v), bottom + 6); g.stroke();
    g.fillText(v === 0 ? '0' : elapsed(v), x(first + v), bottom + 18); // "0 s" beside "20 ms" mixed units
  }
  g.textAlign = 'right';
  g.fillText('#' + low, left - 6, top + 10);
  if (high !== low) g.fillText('#' + high, left - 6, bottom);
  drawnTimeline = {spans, width, height};
  const most = mostAtOnce(spans);
  note.textContent = spans.length + (spans.length === 1 ? ' trial' : ' trials') + ' over ' + elapsed(last - first)
    + '; at most ' + most + ' at once.';
  canvas.setAttribute('aria-label', 'Timeline of the trials: ' + note.textContent
    + ' The arrow keys step through its trials, Enter opens one.');
  renameTimeline();
}

/** Marks what the keyboard stepped to on a canvas: a black frame from (x0, y0) to (x1, y1), inside a white one. */
function markChosen(g, x0, y0, x1, y1) {
  g.lineWidth = 3;
  g.strokeStyle = '#fff';
  g.strokeRect(x0, y0, x1 - x0, y1 - y0);
  g.lineWidth = 1.5;
  g.strokeStyle = '#000';
  g.strokeRect(x0, y0, x1 - x0, y1 - y0);
}

/**
 * Makes a canvas a blank drawing of {@code width} by {@code height} CSS pixels on as many device pixels as the screen
 * has for them (sharp on a high-density screen, not scaled up), and returns its context, drawing in CSS pixels.
 */
function blankDrawing(canvas, width, height, density) {
  canvas.width = Math.round(width * density);
  canvas.height = Math.round(height * density);
  const g = canvas.getContext('2d');
  g.setTransform(density, 0, 0, density, 0, 0);
  g.clearRect(0, 0, width, height);
  return g;
}

/**
 * Where a pointer event falls in a canvas's drawing, drawn {@code drawn.width} by {@code drawn.height} CSS pixels:
 * inside its border, scaled if it is shown at another size.
 */
function drawingPoint(canvas, ev, drawn) {
  const box = canvas.getBoundingClientRect();
  return [(ev.clientX - box.left - canvas.clientLeft) * drawn.width / canvas.clientWidth,
    (ev.clientY - box.top - canvas.clientTop) * drawn.height / canvas.clientHeight];
}

/** Names the timeline's bar under the mouse, and opens its trial on a click. */
function timelinePointing() {
  const canvas = document.getElementById('timeline');
  renameTimeline = pointing(canvas, document.getElementById('timeline-focus'), ev => {
    if (!drawnTimeline) return null;
    const [px, py] = drawingPoint(canvas, ev, drawnTimeline);
    // Rows of thousands of trials are thinner than a pixel: the nearest bar within 3 px.
    let best = null, distance = 3;
    for (const b of drawnTimeline.spans) {
      const d = Math.max(b.x0 - px, px - b.x1, 0) + Math.max(b.y0 - py, py - b.y1, 0);
      if (d <= distance) { best = b; distance = d; }
    }
    return best;
  }, b => '#' + b.t.number + ' ' + b.t.state.toLowerCase() + ', ' + elapsed(b.to - b.from) + (b.t.end ? '' : ' so far')
    + (b.t.device ? ' on ' + b.t.device : ''), () => drawnTimeline ? drawnTimeline.spans : [], timeline);
}

/** The note under the parallel coordinates: how to select, or how many trials the selection holds. */
function selectionNote() {
  const note = document.getElementById('parallel-selection');
  const clear = document.getElementById('clear-selection');
  const done = completed().length;
  note.textContent = selected ? selected.size + ' of ' + done + ' completed trials selected; the trials table shows'
    + ' only them.' : done ? 'Drag along an axis to select the trials that pass through a range (or type one below);'
    + ' click an axis to clear its range.' : '';
  clear.hidden = !selected;
}

/** Dragging along an axis sets its range; a click on an axis (no drag) clears it. */
function brushing() {
  const canvas = document.getElementById('parallel');
  const at = ev => drawingPoint(canvas, ev, drawnAxes || {width: canvas.clientWidth, height: canvas.clientHeight});
  const axisAt = ([px, py]) => {
    const geo = drawnAxes;
    if (!geo || py < geo.top - 6 || py > geo.bottom + 6) return null;
    const i = geo.xs.findIndex(ax => Math.abs(ax - px) <= 10);
    return i < 0 ? null : {axis: geo.axes[i], geo};
  };
  // Within 6 pixels of an end is the end: that is where the lowest and highest values lie.
  const unit = (py, geo) => py >= geo.bottom - 6 ? 0 : py <= geo.top + 6 ? 1 : (geo.bottom - py) / (geo.bottom - geo.top);
  let drag = null;
  let frame = 0;
  const redraw = () => { if (!frame) frame = requestAnimationFrame(() => { frame = 0; parallel(); selectionNote(); }); };
  // Pointer events: a mouse, a pen or a finger (the canvas does not scroll the page under a drag on an axis).
  canvas.style.touchAction = 'pan-x';
  canvas.addEventListener('pointermove', ev => {
    if (drag) return;
    const point = at(ev);
    canvas.style.cursor = axisAt(point) ? 'ns-resize' : '';
    // An axis's whole name, which its label may show cut.
    const near = drawnAxes ? drawnAxes.xs.findIndex(ax => Math.abs(ax - point[0]) <= 10) : -1;
    canvas.title = near < 0 ? '' : drawnAxes.axes[near].name;
  });
  canvas.addEventListener('pointerdown', ev => {
    const axis = ev.button === 0 ? axisAt(at(ev)) : null;
    if (!axis) return;
    ev.preventDefault();
    drag = {axis: axis.axis, geo: axis.geo, from: unit(at(ev)[1], axis.geo), moved: false};
  });
  window.addEventListener('pointermove', ev => {
    if (!drag) return;
    const to = unit(at(ev)[1], drag.geo);
    if (Math.abs(to - drag.from) < 0.01 && !drag.moved) return;
    drag.moved = true;
    const range = drag.axis.select(Math.min(drag.from, to), Math.max(drag.from, to));
    // A drag between two choices takes in none: no range, rather than one that selects nothing and cannot be seen.
    if (range.choices && range.choices.length === 0) brushes.delete(drag.axis.key);
    else brushes.set(drag.axis.key, range);
    redraw();
  });
  window.addEventListener('pointerup', () => {
    if (!drag) return;
    if (!drag.moved) brushes.delete(drag.axis.key);
    drag = null;
    selectionChanged();
  });
  document.getElementById('clear-selection').addEventListener('click', () => {
    brushes.clear();
    selectionChanged();
  });
  typedRanges();
}

function selectionChanged() {
  page = 0;
  parallel();
  selectionNote();
  table();
  showRange();
}

/** The axes a range can be typed for, offered again only when they change (so that the choice keeps its focus). */
function rangeAxes(axes) {
  const form = document.getElementById('range-form');
  const box = document.getElementById('range-axis');
  form.hidden = false;
  const keys = axes.map(a => a.key).join('\n');
  if (box.dataset.keys === keys) return;
  const was = box.value;
  Tuna.clear(box).dataset.keys = keys;
  for (const a of axes) box.append(Tuna.el('option', {value: a.key}, a.name));
  if (axes.some(a => a.key === was)) box.value = was;
  showRange();
}

/** The chosen axis's range in the form's two fields (empty where it is open or there is none). */
function showRange() {
  const key = document.getElementById('range-axis').value;
  const axis = drawnAxes && drawnAxes.axes.find(a => a.key === key);
  const [low, high] = axis && brushes.has(key) ? axis.ends(brushes.get(key)) : ['', ''];
  document.getElementById('range-low').value = low;
  document.getElementById('range-high').value = high;
  document.getElementById('range-error').textContent = '';
}

/** The keyboard's way to brush: an axis, and from and to (values, or choices), typed; empty fields clear it. */
function typedRanges() {
  document.getElementById('range-axis').addEventListener('change', showRange);
  document.getElementById('range-form').addEventListener('submit', ev => {
    ev.preventDefault();
    const key = document.getElementById('range-axis').value;
    const axis = drawnAxes && drawnAxes.axes.find(a => a.key === key);
    if (!axis) return;
    const from = document.getElementById('range-low').value, to = document.getElementById('range-high').value;
    try {
      if (from.trim() === '' && to.trim() === '') brushes.delete(key);
      else brushes.set(key, axis.typed(from, to));
    } catch (e) {
      document.getElementById('range-error').textContent = e.message;
      return;
    }
    selectionChanged();
  });
}

async function importance() {
  // Cleared only once the answer is here: an empty table while it loads shortened the page and made it jump.
  const result = await Tuna.get('/api/studies/' + encodeURIComponent(study) + '/importance');
  const body = Tuna.clear(document.querySelector('#importance tbody'));
  const order = Object.keys(result.importance);
  if (!axisChoice && order.join() !== importanceOrder.join()) {
    importanceOrder = order;
    parallel(); // the default axes are the most important parameters
    if (paramNames(trials).length > MAX_AXES) slices(); // and so are the slices
    if (!contourAxes) contour(); // and the contour's two
  }
  for (const [name, share] of Object.entries(result.importance)) {
    const bar = Tuna.el('div', {class: 'bar'});
    bar.style.width = Math.round(300 * share) + 'px';
    body.append(Tuna.el('tr', {}, Tuna.el('th', {}, name), Tuna.el('td', {}, bar), Tuna.el('td', {}, (100 * share).toFixed(1) + '%')));
  }
  if (Object.keys(result.importance).length === 0) {
    body.append(Tuna.el('tr', {}, Tuna.el('td', {}, 'no parameter explains the values beyond noise yet (' + result.completed + ' completed)')));
  }
}

/** Each slice's chart box by parameter: kept from one drawing to the next, so that a zoomed slice stays zoomed. */
const sliceBoxes = new Map();

/** One scatter per parameter: the completed trials' values against the parameter (categoricals by choice index). */
function slices() {
  const box = document.getElementById('slices');
  const done = completed();
  // The parameters the parallel coordinates show: all, the 8 most important, or those ticked.
  const names = parallelNames(paramNames(done));
  Tuna.keptBoxes(sliceBoxes, names);
  const empty = box.querySelector(':scope > .empty');
  if (empty) empty.remove();
  if (names.length === 0) box.append(Tuna.el('p', {class: 'empty'}, 'No completed trial yet.'));
  for (const name of names) {
    // Trials without the parameter (a conditional one) are left out, not drawn as a choice "undefined".
    const values = done.map(t => t.params[name]).filter(v => v != null);
    // Numbers on the x axis as numbers; a parameter with any other value is categorical, every choice in its declared
    // order (numbers among strings too: drawn at their value, they fell under another choice's name or off the axis).
    const choices = values.every(v => typeof v === 'number') ? [] : choiceOrder(name, values.map(String));
    const points = done.filter(t => t.params[name] != null).map(t => {
      const v = t.params[name];
      return [choices.length ? choices.indexOf(String(v)) : v, t.value, t.number];
    }).sort((a, b) => a[0] - b[0]);
    const chart = sliceBoxes.get(name);
    box.append(chart); // in the space's order
    const ys = points.map(p => p[1]);
    // Choices named on the x axis, every one of them (also those no completed trial took); a log parameter on a log x
    // axis; the points off the frame's edges; the values on a log axis when the page's box says so (one outlier
    // flattened every slice).
    const scales = {x: choices.length ? {time: false, range: () => [-0.5, choices.length - 0.5]} : numberAxis(isLog(name))};
    if (yScale(ys).scales) scales.y = {distr: 3};
    const plot = Tuna.chart(chart, name, name, [points.map(p => p[0]), ys],
      [{label: 'value', stroke: '#06c', width: 0, points: {show: true, size: 6}}],
      Object.assign({scales}, choices.length ? {xLabels: choices} : {}));
    // A click opens the trial of the point nearest the mouse, within 10 px (many share a choice's x).
    const numbers = points.map(p => p[2]);
    Tuna.opensTrial(plot, study, (x, y) => {
      let nearest = null, distance = 10;
      plot.data[0].forEach((px, i) => {
        const d = Math.hypot(plot.valToPos(px, 'x') - x, plot.valToPos(plot.data[1][i], 'y') - y);
        if (d <= distance) { distance = d; nearest = numbers[i]; }
      });
      return nearest;
    });
  }
}

/** An x scale of numbers, on a log axis or not, a little wider than the data (see paddedX). */
function numberAxis(log) {
  // Whole powers of ten on a log axis: a range just under one (0.001 / 1.15) sent uPlot's log ticks into a loop of
  // seconds.
  return log ? {time: false, distr: 3, range: paddedX((lo, hi) => uPlot.rangeLog(lo / 1.15, hi * 1.15, 10, true))}
    : {time: false, range: paddedX((lo, hi) => {
      const pad = (hi - lo) * 0.04 || Math.abs(hi) * 0.05 || 1;
      return [lo - pad, hi + pad];
    })};
}

/**
 * A slice's x range: {@code widen} of the data's own extent (the points ascend on x), and any other range asked for
 * (a zoom, which uPlot passes through the range too) as it is, so that a zoom is not widened at each update.
 */
function paddedX(widen) {
  return (u, min, max) => {
    const xs = u.data[0];
    return xs.length && min === xs[0] && max === xs[xs.length - 1] ? widen(min, max) : [min, max];
  };
}

/** The share of steps pruning saved: the steps pruned trials did not run, against a full run of each. */
function savedByPruning() {
  const full = Math.max(0, ...trials.filter(t => t.state === 'COMPLETE').map(t => t.lastStep || 0));
  const pruned = trials.filter(t => t.state === 'PRUNED');
  if (!full || pruned.length === 0) return '';
  const saved = pruned.reduce((s, t) => s + Math.max(0, full - (t.lastStep || 0)), 0);
  const total = trials.filter(t => t.state === 'COMPLETE' || t.state === 'PRUNED').length * full;
  return pruned.length + (pruned.length === 1 ? ' trial' : ' trials') + ' pruned: ' + (100 * saved / total).toFixed(1) + '% of the steps saved';
}

/** uPlot options for a log-scaled y axis when asked for and every value is positive; none otherwise. */
function yScale(values) {
  const log = document.getElementById('log-scale').checked && values.length > 0 && values.every(v => v > 0);
  return log ? {scales: {x: {time: false}, y: {distr: 3}}} : {};
}

function historyChart() {
  const done = completed();
  // An infinite value (a broken constraint) has no place on an axis: the charts leave those trials out, and say so.
  const infinite = trials.filter(t => t.state === 'COMPLETE' && typeof t.value === 'string');
  const leftOut = infinite.length === 0 ? null : Tuna.el('p', {class: 'note'}, infinite.length
    + (infinite.length === 1 ? ' completed trial' : ' completed trials') + ' with an infinite value ('
    + infinite.slice(0, 5).map(t => '#' + t.number + ' ' + t.value).join(', ') + (infinite.length > 5 ? ', \u2026' : '')
    + ') not drawn here nor in the charts below; the best so far is that of the finite values.');
  const history = document.getElementById('history');
  for (const old of history.querySelectorAll(':scope > p.note')) old.remove(); // a live update draws it again
  if (done.length === 0) {
    Tuna.clear(history).append(Tuna.el('p', {class: 'empty'},
      infinite.length ? 'No completed trial with a finite value yet.' : 'No completed trial yet.'));
    if (leftOut) history.append(leftOut);
    return;
  }
  const better = info.direction === 'maximize' ? (a, b) => a > b : (a, b) => a < b;
  let best = null;
  const xs = [], values = [], bests = [];
  for (const t of done) {
    if (best === null || better(t.value, best)) best = t.value;
    xs.push(t.number); values.push(t.value); bests.push(best);
  }
  const plot = Tuna.chart(history, 'Value of each trial and best so far', 'trial', [xs, values, bests], [
    {label: 'value', stroke: '#06c', width: 0, points: {show: true, size: 6}},
    {label: 'best so far', stroke: '#e60', width: 2}], yScale(values));
  // A click opens the trial under the cursor (the nearest on x: one point per trial), as on the learning curves.
  Tuna.opensTrial(plot, study, () => {
    const i = plot.cursor.idx;
    return i != null && plot.data[0][i] != null ? plot.data[0][i] : null;
  });
  if (leftOut) history.append(leftOut);
}

/**
 * The empirical distribution of the completed trials' values (Optuna's EDF plot): the share of them with a value at
 * most x, a step at each value. Two studies' curves, or one study's now and before, compare at a glance.
 */
function edf() {
  const own = completed().map(t => t.value);
  const box = document.getElementById('edf');
  if (own.length === 0 && !compared) {
    Tuna.clear(box).append(Tuna.el('p', {class: 'empty'}, 'No completed trial yet.'));
    return;
  }
  // A study without a completed trial yet draws the other alone.
  const curves = (own.length ? [[study, own]] : []).concat(compared ? [[compared.name, compared.values]] : []);
  // One x for every curve (uPlot's data share it): each value of either study, and each curve's share at each.
  const xs = [...new Set(curves.flatMap(([, values]) => values))].sort((a, b) => a - b);
  const shares = curves.map(([, values]) => {
    const sorted = [...values].sort((a, b) => a - b);
    let below = 0;
    return xs.map(x => {
      while (below < sorted.length && sorted[below] <= x) below++;
      return below / sorted.length;
    });
  });
  const scales = {x: numberAxis(Boolean(yScale(xs).scales)), y: {range: [0, 1.02]}};
  const colour = name => name === study ? '#06c' : '#e60';
  // Infinite values (broken constraints) have no place on the axis: the history's note names them.
  Tuna.chart(box, 'Share of the completed trials with a finite value that are at most x', 'value', [xs, ...shares],
    curves.map(([name]) => ({label: name, stroke: colour(name), width: 2, paths: uPlot.paths.stepped({align: 1})})),
    {scales});
}

/** The study the distribution is compared with, its completed trials' finite values as read when it was chosen. */
let compared = null;

/** Fills the chooser of a study to compare with: the others of the same direction (their values compare). */
async function compareChooser() {
  const select = document.getElementById('edf-compare');
  const others = (await Tuna.get('/api/studies')).filter(s => s.name !== study && s.direction === info.direction);
  for (const s of others) select.append(Tuna.el('option', {value: s.name}, s.name));
}

document.getElementById('edf-compare').addEventListener('change', async ev => {
  const name = ev.target.value;
  try {
    const values = name ? completed(await trialsOf(name, 0)).map(t => t.value) : [];
    compared = values.length ? {name, values} : null;
    document.getElementById('edf-error').textContent = name && !compared ? name + ' has no completed trial' : '';
    edf();
  } catch (e) {
    document.getElementById('edf-error').textContent = e.message;
  }
});

/** Learning curves of the trials the server picked for the chooser (see loadCurves), the best one among them:
    pruned dashed, diverged magenta, best orange. */
function curves() {
  if (!curveView) return;
  const select = document.getElementById('metric');
  const names = ['value'].concat(curveView.metrics);
  if (!names.includes(metric)) {
    metric = 'value';
    redrawCurves();
    return;
  }
  Tuna.clear(select);
  for (const n of names) select.append(Tuna.el('option', n === metric ? {selected: ''} : {}, n));
  // Curves read for another choice (one made since, whose read is on its way) are not drawn under this one's name.
  if (curveView.metric !== metric || curveView.of !== document.getElementById('curves-of').value) return;
  if (curveView.reported === 0) {
    document.getElementById('curves-focus').textContent = '';
    Tuna.clear(document.getElementById('curves')).append(Tuna.el('p', {class: 'empty'}, 'No trial has reported yet.'));
    return;
  }
  const shown = curveView.trials;
  if (shown.length === 0) {
    const running = curveView.running;
    document.getElementById('curves-focus').textContent = '';
    Tuna.clear(document.getElementById('curves')).append(Tuna.el('p', {class: 'empty'},
      curveView.of !== 'running' ? 'No trial to show.'
        : running ? running + (running === 1 ? ' trial runs' : ' trials run') + '; none has reported a step yet.'
        : 'No trial is running.'));
    return;
  }
  const steps = [...new Set(shown.flatMap(t => Object.keys(t.curve).map(Number)))].sort((a, b) => a - b);
  const data = [steps];
  const series = [];
  const bestNumber = info.best ? info.best.number : -1;
  for (const t of shown) {
    const c = t.curve;
    data.push(steps.map(s => { const v = c[s]; return typeof v === 'number' && isFinite(v) ? v : null; }));
    const color = t.number === bestNumber ? '#e60' : diverged(t) ? '#c0c' : (Tuna.colors[t.state] || '#333');
    // A value that is not a number cannot be drawn: the line stops there, and its name says from which step.
    const lost = Object.keys(c).map(Number).filter(s => typeof c[s] !== 'number' || !isFinite(c[s]));
    series.push({label: '#' + t.number + ' ' + t.state.toLowerCase() + (diverged(t) ? ' diverged' : '')
        + (lost.length ? ', not finite from step ' + Math.min(...lost) : ''), stroke: color,
      width: t.number === bestNumber ? 2.5 : 1, dash: t.state === 'PRUNED' ? [4, 4] : undefined, spanGaps: true,
      points: {show: diverged(t) || t.state === 'PRUNED' || Object.keys(c).length === 1}});
  }
  // No legend for so many lines: the line nearest the cursor is highlighted and named, and a click opens its trial.
  // A chart kept for new data of the same lines (see Tuna.chart) keeps its hook, its click and what it named.
  const focus = document.getElementById('curves-focus');
  const container = document.getElementById('curves');
  const before = container.tunaPlot;
  let focused = null;
  const named = (u, i, opts) => {
    if (!opts || opts.focus == null) return;
    focused = i > 0 ? shown[i - 1] : null;
    focus.textContent = focused ? u.series[i].label + ' (click to open)' : '';
  };
  const plot = Tuna.chart(container, curveView.metric + ' per step', 'step', data, series,
    Object.assign({legend: {show: false}, cursor: {focus: {prox: 24}}, focus: {alpha: 0.25}, hooks: {setSeries: [named]}},
      yScale(data.slice(1).flat().filter(v => v != null))));
  if (plot === before) return;
  focus.textContent = '';
  plot.over.addEventListener('click', () => { if (focused) location.href = Tuna.trialHref(study, focused.number); });
}

function table() {
  const cols = columns();
  // The header is built again only when its columns or the order change: a live update that replaced it under the
  // mouse lost the click on it.
  const head = document.querySelector('#trials thead');
  const headKey = JSON.stringify([cols, sortKey, sortDir]);
  if (head.dataset.drawn !== headKey) {
    head.dataset.drawn = headKey;
    const row = Tuna.el('tr', {});
    for (const [key, label] of cols) {
      const th = Tuna.el('th', {'data-key': key, 'data-focus': 'sort\n' + key,
        class: key.startsWith('p:') ? 'param' : key.startsWith('u:') ? 'user-attr' : '',
        title: key.startsWith('p:') ? 'parameter' : key.startsWith('u:') ? 'user attribute' : ''},
        label + (sortKey === key ? (sortDir > 0 ? ' \u25B2' : ' \u25BC') : ''));
      Tuna.sortable(th, sortKey === key ? sortDir : 0, () => {
        sortDir = sortKey === key ? -sortDir : 1; sortKey = key; page = 0;
        Tuna.live(table); // keeps the header focused for the next key press
      });
      row.append(th);
    }
    Tuna.clear(head).append(row);
  }
  const filter = document.getElementById('state-filter').value;
  const text = document.getElementById('text-filter').value.trim().toLowerCase();
  // The filter matches what the cells show (#3, 15.01 seconds), not the values behind them.
  const rows = trials.filter(t => (!filter || t.state === filter) && (!selected || selected.has(t.number))
      && (!text || cols.some(([key]) => shownText(t, key).toLowerCase().includes(text))))
    .sort((a, b) => Tuna.compare(cell(a, sortKey), cell(b, sortKey), sortDir));
  const body = Tuna.clear(document.querySelector('#trials tbody'));
  const bestNumber = info.best ? info.best.number : -1;
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));
  page = Math.min(page, pages - 1);
  for (const t of rows.slice(page * PAGE, (page + 1) * PAGE)) {
    const tr = Tuna.el('tr', {class: 'state-' + t.state + (t.number === bestNumber ? ' best-row' : '')});
    for (const [key] of cols) {
      const v = cell(t, key);
      const text = shownText(t, key);
      if (key === 'number') {
        tr.append(Tuna.el('td', {class: 'nowrap'}, Tuna.el('a', {href: Tuna.trialHref(study, t.number),
          'data-focus': 'trial-' + t.number}, text)));
      } else if (key === 'reason') {
        tr.append(Tuna.el('td', {class: 'reason-cell' + (diverged(t) ? ' diverged' : ''), title: text}, text));
      } else {
        tr.append(typeof v === 'number' ? Tuna.el('td', {class: 'num'}, text)
          : Tuna.el('td', {class: key === 'state' ? 'nowrap' : 'text', title: text}, text));
      }
    }
    body.append(tr);
  }
  document.getElementById('shown').textContent = rows.length + ' of ' + trials.length + ' trials'
    + (selected ? ' (those selected in the parallel coordinates)' : '');
  pager(pages, rows.length);
  saveView();
}

/** The table's view (order, page, state and text filters) in the address's fragment: a reload, or the address
    sent to someone, shows the same rows. */
function saveView() {
  const view = new URLSearchParams();
  if (sortKey !== 'number' || sortDir !== 1) view.set('sort', (sortDir < 0 ? '-' : '') + sortKey);
  if (page > 0) view.set('page', page + 1);
  const state = document.getElementById('state-filter').value;
  if (state) view.set('state', state);
  const text = document.getElementById('text-filter').value;
  if (text) view.set('q', text);
  const fragment = view.toString();
  if (fragment !== location.hash.slice(1)) {
    history.replaceState(history.state, '', fragment ? '#' + fragment : location.pathname + location.search);
  }
}

/** The view the address's fragment names (see saveView); what it leaves out is the default. */
function restoreView() {
  const view = new URLSearchParams(location.hash.slice(1));
  const sort = view.get('sort') || 'number';
  sortDir = sort.startsWith('-') ? -1 : 1;
  sortKey = sort.replace(/^-/, '');
  page = Math.max(0, (parseInt(view.get('page'), 10) || 1) - 1);
  document.getElementById('state-filter').value = view.get('state') || '';
  document.getElementById('text-filter').value = view.get('q') || '';
}

/** Previous and next buttons and which rows are shown, when the table has more than one page. */
function pager(pages, count) {
  const box = Tuna.clear(document.getElementById('pager'));
  if (pages <= 1) return;
  const go = (label, to) => {
    const b = Tuna.el('button', {type: 'button', 'data-page': label}, label);
    b.disabled = to < 0 || to >= pages;
    b.addEventListener('click', () => { page = to; table(); });
    return b;
  };
  box.append(go('Previous', page - 1), ' rows ' + (page * PAGE + 1) + '\u2013' + Math.min(count, (page + 1) * PAGE)
    + ' of ' + count + ' ', go('Next', page + 1));
}

document.getElementById('state-filter').addEventListener('change', () => { page = 0; table(); });
document.getElementById('log-scale').addEventListener('change', () => { historyChart(); edf(); curves(); slices(); parallel(); });
document.getElementById('text-filter').addEventListener('input', () => { page = 0; table(); });
Tuna.redrawOnResize(() => { if (info) render(); });
document.getElementById('metric').addEventListener('change', ev => { metric = ev.target.value; redrawCurves(); });
document.getElementById('curves-of').addEventListener('change', redrawCurves);

/** Live updates: a trial event reloads the trials from the first one named (at most every half second; every 3 s
    past 1,000 trials), and the stream's opening (and reopening) those from the first unfinished one. The stream
    opens once the page has loaded (an event stream opened before that keeps the page loading for ever in Chromium)
    and the study was found. */
let stream = null; // the study's event stream, while the page listens

let gone = false; // the study was found deleted: nothing more to read or listen to
let refusedStreams = 0; // event streams the server refused in a row

/** The study was deleted (from another page, or by a program): nothing is left to show, nor any action to offer. */
function studyGone() {
  gone = true;
  if (stream) stream.close();
  Tuna.notFound('This study was deleted (reload the page to see a study given its name since).');
}

function listen() {
  let pending = null;
  let named = new Set();
  let everything = false;
  const reload = () => {
    if (!pending) {
      pending = setTimeout(() => {
        const numbers = everything ? null : named;
        pending = null; named = new Set(); everything = false;
        load(numbers);
      }, trials.length > 1000 ? 3000 : 500);
    }
  };
  const events = stream = new EventSource('/api/studies/' + encodeURIComponent(study) + '/events');
  for (const name of ['trial-started', 'trial-reported', 'trial-finished']) {
    events.addEventListener(name, ev => {
      const number = JSON.parse(ev.data).number;
      if (Number.isInteger(number)) named.add(number); else everything = true;
      reload();
    });
  }
  // The trials that may have changed again once the stream is open: the server sends changes from its subscription
  // on, so a trial that changed between the page's first read and then (or while a reconnecting stream was down) is
  // named by no event. The finished ones before them cannot have changed: reading every trial again read a study
  // of thousands twice on opening the page.
  events.addEventListener('open', () => {
    refusedStreams = 0;
    loaded.then(() => { named.add(firstUnfinished()); reload(); });
  });
  events.addEventListener('study-gone', studyGone);
  // A stream the server refused (its study deleted as the page opened, before the stream could say so) is not tried
  // again by the browser, as one cut off is: read the study again, which tells a deleted one, and listen anew.
  // Tried again after 1 s, then twice as long each time it is refused again, up to 30 s.
  events.addEventListener('error', () => {
    if (events.readyState !== EventSource.CLOSED) return;
    refusedStreams++;
    setTimeout(() => {
      if (stream !== events || gone) return;
      loaded = load();
      loaded.then(() => { if (info && !gone && stream === events) listen(); });
    }, Math.min(30000, 1000 * 2 ** (refusedStreams - 1)));
  });
  Tuna.closeOnLeave(events, () => { loaded = load(); listen(); });
}
if (!study) {
  Tuna.notFound('This address names no study (study.html?name=NAME).');
} else {
  brushing();
  timelinePointing();
  contourPointing();
  restoreView();
  loaded = load();
  loaded.then(() => { if (info) compareChooser().catch(e => { document.getElementById('edf-error').textContent = e.message; }); });
  const follow = () => Promise.all([loaded, Tuna.readCookie]).then(() => { if (info) listen(); });
  if (document.readyState === 'complete') follow(); else window.addEventListener('load', follow);
  // An address whose fragment is edited by hand shows the view it names.
  window.addEventListener('hashchange', () => { restoreView(); if (info) table(); });
}
