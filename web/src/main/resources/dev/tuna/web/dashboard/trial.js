'use strict';
const study = Tuna.param('study');
// A trial number, written as one (013 is trial 13); an empty n= read the study's list of trials as one trial.
const number = /^\d{1,9}$/.test(Tuna.param('n') || '') ? String(Number(Tuna.param('n'))) : null;
let finished = false;
let shown = null; // the trial as last drawn
const chartBoxes = new Map(); // by curve name: its chart's box, kept between updates

async function load() {
  try {
    const t = await Tuna.get('/api/studies/' + encodeURIComponent(study) + '/trials/' + encodeURIComponent(number));
    render(t);
    // Until there is a next trial to link (a running study's latest trial gets one once another starts).
    if (!document.getElementById('next-trial')) navigate(t.number).catch(() => {});
    finished = ['COMPLETE', 'PRUNED', 'FAIL'].includes(t.state);
    if (finished && events) events.close();
  } catch (e) {
    if (e.status === 404 && !shown) Tuna.notFound(e.message + '.'); else Tuna.error(e.message);
  }
}

/** Links to the trials before and after this one (trials are numbered from 0 with no gaps), as the study has them. */
async function navigate(n) {
  const info = await Tuna.get('/api/studies/' + encodeURIComponent(study));
  const count = Object.values(info.counts || {}).reduce((a, b) => a + b, 0);
  const nav = Tuna.clear(document.getElementById('trial-nav'));
  if (n > 0) nav.append(Tuna.el('a', {id: 'previous-trial', href: Tuna.trialHref(study, n - 1)}, '\u2190 trial #' + (n - 1)), ' ');
  if (n + 1 < count) nav.append(Tuna.el('a', {id: 'next-trial', href: Tuna.trialHref(study, n + 1)}, 'trial #' + (n + 1) + ' \u2192'));
}

function render(t) {
  shown = t;
  document.title = 'Tuna: ' + study + ' #' + t.number;
  const link = document.getElementById('study-link');
  link.setAttribute('href', Tuna.studyHref(study));
  link.textContent = study;
  document.getElementById('title').textContent = 'trial #' + t.number;
  const summary = Tuna.clear(document.getElementById('summary'));
  summary.append(Tuna.el('dl', {},
    Tuna.el('dt', {}, 'State'), Tuna.el('dd', {class: 'state-' + t.state, id: 'state'}, t.state),
    Tuna.el('dt', {}, 'Value'), Tuna.el('dd', {id: 'value'}, Tuna.fmt(t.value)),
    Tuna.el('dt', {}, 'Reason'), Tuna.el('dd', {id: 'reason', class: 'reason'}, t.reason || '\u2013'),
    Tuna.el('dt', {}, 'Device'), Tuna.el('dd', {id: 'device'}, t.device || '\u2013'),
    Tuna.el('dt', {}, 'Node'), Tuna.el('dd', {id: 'node'}, (t.systemAttrs || {}).node || '\u2013'),
    Tuna.el('dt', {}, 'Started'), Tuna.el('dd', {title: t.start || ''}, Tuna.time(t.start)),
    Tuna.el('dt', {}, 'Ended'), Tuna.el('dd', {title: t.end || ''}, Tuna.time(t.end)),
    Tuna.el('dt', {}, 'Seconds'), Tuna.el('dd', {}, (t.durationMillis / 1000).toFixed(2))));
  const params = Tuna.clear(document.querySelector('#params tbody'));
  for (const [name, value] of Object.entries(t.params)) {
    params.append(Tuna.el('tr', {}, Tuna.el('th', {}, name), Tuna.el('td', {}, Tuna.fmt(value)),
      Tuna.el('td', {}, Tuna.distribution(t.distributions[name]))));
  }
  const attrs = Tuna.clear(document.querySelector('#user-attrs tbody'));
  for (const [key, value] of Object.entries(t.userAttrs || {})) {
    attrs.append(Tuna.el('tr', {}, Tuna.el('th', {}, key), Tuna.el('td', {}, Tuna.fmt(value))));
  }
  if (attrs.childElementCount === 0) attrs.append(Tuna.el('tr', {}, Tuna.el('td', {}, 'none')));
  const diagnoses = Tuna.clear(document.getElementById('diagnoses'));
  for (const d of t.diagnoses) diagnoses.append(Tuna.el('li', {}, d.name + ' from step ' + d.step + ': ' + d.detail));
  if (t.diagnoses.length === 0) diagnoses.append(Tuna.el('li', {}, 'none'));
  const trace = (t.systemAttrs || {}).stack_trace;
  document.getElementById('stack').hidden = !trace;
  document.getElementById('stack-trace').textContent = trace || '';
  const charts = document.getElementById('charts');
  const curves = Object.assign({value: t.intermediateValues}, t.metrics);
  // Each curve's chart is kept from one update to the next, so that it takes new steps in place (see Tuna.chart).
  const drawn = Object.entries(curves).filter(([, curve]) => Object.keys(curve).length > 0);
  Tuna.keptBoxes(chartBoxes, drawn.map(([name]) => name));
  const none = charts.querySelector(':scope > .empty');
  if (none) none.remove();
  if (drawn.length === 0) {
    charts.append(Tuna.el('p', {class: 'empty'}, t.state === 'RUNNING' ? 'Nothing reported yet.' : 'Nothing was reported.'));
  }
  for (const [name, curve] of drawn) {
    const steps = Object.keys(curve).map(Number).sort((a, b) => a - b);
    const box = chartBoxes.get(name);
    charts.append(box); // in the curves' order
    const ys = steps.map(s => { const v = curve[s]; return typeof v === 'number' && isFinite(v) ? v : null; });
    // NaN and infinities are not drawn: a curve of nothing else would be an empty chart with no word why.
    const title = ys.every(v => v == null) ? name + ' (no finite value: ' + Tuna.fmt(curve[steps[0]]) + ' from step '
      + steps[0] + ')' : name;
    Tuna.chart(box, title, 'step', [steps, ys], [{label: name, stroke: '#06c', width: 2}]);
  }
}

/** A trial still running grows as it reports: any event of it reloads the page's data (after the page loaded,
    as an event stream opened earlier keeps Chromium loading). */
let events = null;
function listen() {
  let pending = null;
  events = new EventSource('/api/studies/' + encodeURIComponent(study) + '/events');
  for (const name of ['trial-started', 'trial-reported', 'trial-finished']) {
    events.addEventListener(name, ev => {
      if (JSON.parse(ev.data).number !== Number(number)) return;
      if (!pending) pending = setTimeout(() => { pending = null; load(); }, 300);
    });
  }
  // Not reconnected: a study of the same name made since has another trial of this number.
  events.addEventListener('study-gone', () => { events.close(); Tuna.error('this study was deleted'); });
  Tuna.closeOnLeave(events, () => { load(); listen(); });
}
Tuna.redrawOnResize(() => { if (shown) render(shown); });
if (!study || number == null) {
  Tuna.notFound('This address names no trial (trial.html?study=NAME&n=NUMBER'
    + (study && Tuna.param('n') != null ? ', and n=' + JSON.stringify(Tuna.param('n')) + ' is not a trial number' : '') + ').');
} else {
  load().then(() => {
    if (finished || !shown) return;
    const afterCookie = () => Tuna.readCookie.then(listen);
    if (document.readyState === 'complete') afterCookie(); else window.addEventListener('load', afterCookie);
  });
}
