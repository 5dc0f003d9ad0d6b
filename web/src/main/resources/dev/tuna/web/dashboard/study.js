'use strict';
const study = Tuna.param('name');
let trials = [];
let sortKey = 'number', sortDir = 1;
let info = null;

const COLUMNS = [['number', '#'], ['state', 'State'], ['value', 'Value'], ['lastStep', 'Steps'],
  ['durationMillis', 'Seconds'], ['params', 'Parameters'], ['reason', 'Reason']];

async function load() {
  try {
    info = await Tuna.get('/api/studies/' + encodeURIComponent(study));
    const page = await Tuna.get('/api/studies/' + encodeURIComponent(study) + '/trials?limit=1000&curves=true');
    trials = page.trials;
    render();
    Tuna.error('');
  } catch (e) {
    Tuna.error(e.message);
  }
}

function render() {
  document.title = 'Tuna: ' + info.name;
  document.getElementById('title').textContent = info.name;
  const summary = Tuna.clear(document.getElementById('summary'));
  summary.append(Tuna.el('dl', {},
    Tuna.el('dt', {}, 'State'), Tuna.el('dd', {}, info.state),
    Tuna.el('dt', {}, 'Direction'), Tuna.el('dd', {}, info.direction),
    Tuna.el('dt', {}, 'Progress'), Tuna.el('dd', {}, info.finished + (info.trials != null ? ' / ' + info.trials : '')),
    Tuna.el('dt', {}, 'Sampler'), Tuna.el('dd', {}, info.sampler || '\u2013'),
    Tuna.el('dt', {}, 'Pruner'), Tuna.el('dd', {}, info.pruner || '\u2013'),
    Tuna.el('dt', {}, 'Trainable'), Tuna.el('dd', {}, info.trainable || '\u2013')));
  const best = Tuna.clear(document.getElementById('best'));
  if (info.best) {
    best.append('Best trial: ', Tuna.el('a', {id: 'best-link', href: Tuna.trialHref(info.name, info.best.number)},
      '#' + info.best.number), ' value ', Tuna.el('span', {class: 'best', id: 'best-value'}, Tuna.fmt(info.best.value)),
      ' ', Tuna.fmt(info.best.params));
  }
  document.getElementById('saved').textContent = savedByPruning();
  history();
  curves();
  slices();
  parallel();
  table();
  importance();
}

/** Parallel coordinates of the completed trials: one axis per parameter and one for the value, best trials darkest. */
function parallel() {
  const canvas = document.getElementById('parallel');
  const g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  const done = trials.filter(t => t.state === 'COMPLETE' && typeof t.value === 'number');
  const names = [...new Set(done.flatMap(t => Object.keys(t.params)))];
  if (done.length === 0 || names.length === 0) return;
  const axes = names.map(name => {
    const values = done.map(t => t.params[name]);
    const numeric = values.every(v => typeof v === 'number');
    const choices = numeric ? [] : [...new Set(values.map(String))];
    const xs = numeric ? values : values.map(v => choices.indexOf(String(v)));
    const lo = Math.min(...xs), hi = Math.max(...xs);
    return {name, at: t => { const v = t.params[name]; const x = numeric ? v : choices.indexOf(String(v));
      return hi > lo ? (x - lo) / (hi - lo) : 0.5; }, lo: numeric ? Tuna.fmt(lo) : choices[0], hi: numeric ? Tuna.fmt(hi) : choices[choices.length - 1]};
  });
  const values = done.map(t => t.value);
  const vlo = Math.min(...values), vhi = Math.max(...values);
  axes.push({name: 'value', at: t => vhi > vlo ? (t.value - vlo) / (vhi - vlo) : 0.5, lo: Tuna.fmt(vlo), hi: Tuna.fmt(vhi)});
  const left = 60, right = canvas.width - 60, top = 30, bottom = canvas.height - 30;
  const x = i => left + (right - left) * i / (axes.length - 1 || 1);
  const y = u => bottom - (bottom - top) * u;
  const maximize = info.direction === 'maximize';
  const ranked = done.slice().sort((a, b) => maximize ? a.value - b.value : b.value - a.value);
  ranked.forEach((t, k) => {
    const strength = (k + 1) / ranked.length;
    g.strokeStyle = 'rgba(0, 102, 204, ' + (0.15 + 0.85 * strength * strength).toFixed(3) + ')';
    g.lineWidth = k === ranked.length - 1 ? 2.5 : 1;
    g.beginPath();
    axes.forEach((a, i) => { const px = x(i), py = y(a.at(t)); if (i === 0) g.moveTo(px, py); else g.lineTo(px, py); });
    g.stroke();
  });
  g.fillStyle = '#222';
  g.strokeStyle = '#444';
  g.lineWidth = 1;
  g.font = '12px sans-serif';
  g.textAlign = 'center';
  axes.forEach((a, i) => {
    g.beginPath(); g.moveTo(x(i), top); g.lineTo(x(i), bottom); g.stroke();
    g.fillText(a.name, x(i), top - 12);
    g.fillText(String(a.hi), x(i), top - 1);
    g.fillText(String(a.lo), x(i), bottom + 14);
  });
}

async function importance() {
  const body = Tuna.clear(document.querySelector('#importance tbody'));
  const result = await Tuna.get('/api/studies/' + encodeURIComponent(study) + '/importance');
  for (const [name, share] of Object.entries(result.importance)) {
    const bar = Tuna.el('div', {class: 'bar'});
    bar.style.width = Math.round(300 * share) + 'px';
    body.append(Tuna.el('tr', {}, Tuna.el('th', {}, name), Tuna.el('td', {}, bar), Tuna.el('td', {}, (100 * share).toFixed(1) + '%')));
  }
  if (Object.keys(result.importance).length === 0) {
    body.append(Tuna.el('tr', {}, Tuna.el('td', {}, 'needs at least 4 completed trials with different values')));
  }
}

/** One scatter per parameter: the completed trials' values against the parameter (categoricals by choice index). */
function slices() {
  const box = Tuna.clear(document.getElementById('slices'));
  const done = trials.filter(t => t.state === 'COMPLETE' && typeof t.value === 'number');
  const names = [...new Set(done.flatMap(t => Object.keys(t.params)))];
  for (const name of names) {
    const choices = [...new Set(done.map(t => t.params[name]).filter(v => typeof v !== 'number').map(String))];
    const points = done.filter(t => t.params[name] != null).map(t => {
      const v = t.params[name];
      return [typeof v === 'number' ? v : choices.indexOf(String(v)), t.value];
    }).sort((a, b) => a[0] - b[0]);
    const chart = Tuna.el('div', {class: 'chart'});
    box.append(chart);
    const label = choices.length ? name + ' (' + choices.map((c, i) => i + ': ' + c).join(', ') + ')' : name;
    Tuna.chart(chart, label, name, [points.map(p => p[0]), points.map(p => p[1])],
      [{label: 'value', stroke: '#06c', width: 0, points: {show: true, size: 6}}]);
  }
}

/** The share of steps pruning saved: the steps pruned trials did not run, against a full run of each. */
function savedByPruning() {
  const full = Math.max(0, ...trials.filter(t => t.state === 'COMPLETE').map(t => t.lastStep));
  const pruned = trials.filter(t => t.state === 'PRUNED');
  if (!full || pruned.length === 0) return '';
  const saved = pruned.reduce((s, t) => s + Math.max(0, full - t.lastStep), 0);
  const total = trials.filter(t => t.state === 'COMPLETE' || t.state === 'PRUNED').length * full;
  return pruned.length + ' trials pruned: ' + (100 * saved / total).toFixed(1) + '% of the steps saved';
}

function history() {
  const done = trials.filter(t => t.state === 'COMPLETE' && typeof t.value === 'number');
  const better = info.direction === 'maximize' ? (a, b) => a > b : (a, b) => a < b;
  let best = null;
  const xs = [], values = [], bests = [];
  for (const t of done) {
    if (best === null || better(t.value, best)) best = t.value;
    xs.push(t.number); values.push(t.value); bests.push(best);
  }
  Tuna.chart(document.getElementById('history'), 'Value of each trial and best so far', 'trial', [xs, values, bests], [
    {label: 'value', stroke: '#06c', width: 0, points: {show: true, size: 6}},
    {label: 'best so far', stroke: '#e60', width: 2}]);
}

function curves() {
  const shown = trials.filter(t => t.intermediateValues && Object.keys(t.intermediateValues).length > 0).slice(-60);
  const steps = [...new Set(shown.flatMap(t => Object.keys(t.intermediateValues).map(Number)))].sort((a, b) => a - b);
  const data = [steps];
  const series = [];
  for (const t of shown) {
    data.push(steps.map(s => { const v = t.intermediateValues[s]; return typeof v === 'number' ? v : null; }));
    const diverged = (t.reason || '').includes('diverged');
    series.push({label: '#' + t.number, stroke: diverged ? '#c0c' : (Tuna.colors[t.state] || '#333'),
      width: 1, dash: t.state === 'PRUNED' ? [4, 4] : undefined, spanGaps: true});
  }
  Tuna.chart(document.getElementById('curves'), 'Intermediate values (pruned dashed)', 'step', data, series);
}

function table() {
  const head = Tuna.clear(document.querySelector('#trials thead'));
  const row = Tuna.el('tr', {});
  for (const [key, label] of COLUMNS) {
    const th = Tuna.el('th', {'data-key': key}, label + (sortKey === key ? (sortDir > 0 ? ' \u25B2' : ' \u25BC') : ''));
    th.addEventListener('click', () => { sortDir = sortKey === key ? -sortDir : 1; sortKey = key; table(); });
    row.append(th);
  }
  head.append(row);
  const filter = document.getElementById('state-filter').value;
  const rows = trials.filter(t => !filter || t.state === filter).slice().sort((a, b) => {
    const x = a[sortKey], y = b[sortKey];
    if (x == null) return 1;
    if (y == null) return -1;
    return (typeof x === 'number' ? x - y : String(x).localeCompare(String(y))) * sortDir;
  });
  const body = Tuna.clear(document.querySelector('#trials tbody'));
  for (const t of rows) {
    body.append(Tuna.el('tr', {class: 'state-' + t.state},
      Tuna.el('td', {}, Tuna.el('a', {href: Tuna.trialHref(study, t.number)}, '#' + t.number)),
      Tuna.el('td', {}, t.state), Tuna.el('td', {}, Tuna.fmt(t.value)), Tuna.el('td', {}, t.lastStep),
      Tuna.el('td', {}, (t.durationMillis / 1000).toFixed(2)), Tuna.el('td', {}, Tuna.fmt(t.params)),
      Tuna.el('td', {}, t.reason || '')));
  }
}

document.getElementById('state-filter').addEventListener('change', table);
let pending = null;
const events = new EventSource('/api/studies/' + encodeURIComponent(study) + '/events');
for (const name of ['trial-started', 'trial-reported', 'trial-finished']) {
  events.addEventListener(name, () => { if (!pending) pending = setTimeout(() => { pending = null; load(); }, 500); });
}
load();
