'use strict';
const EXAMPLE = {
  name: 'branin-1', direction: 'minimize', trials: 30,
  sampler: {type: 'sobol', seed: 42}, pruner: {type: 'median'},
  trainable: {type: 'branin', epochs: 5, fixed: {sleepMillis: 50}},
  space: {x1: {type: 'float', low: -5, high: 10}, x2: {type: 'float', low: 0, high: 15}}
};

/** The list's columns: what a header click sorts by; rows start in the server's order (oldest first). */
const COLUMNS = {
  name: s => s.name, state: s => s.state, progress: s => s.finished, best: s => s.best ? s.best.value : null,
  direction: s => s.direction, sampler: s => s.sampler, pruner: s => s.pruner, trainable: s => s.trainable,
  created: s => s.created
};
let studies = [];
let sort = {key: null, dir: 1};
let shown = null; // the list as last drawn, as JSON

async function refresh() {
  try {
    const fresh = await Tuna.get('/api/studies');
    // Drawn again only when something changed, and not under a press (see Tuna.live): a table rebuilt every 3 s
    // took the focus from its buttons and swallowed clicks that spanned a refresh.
    if (JSON.stringify(fresh) !== shown) {
      shown = JSON.stringify(fresh);
      studies = fresh;
      Tuna.live(render);
    }
    Tuna.error('');
  } catch (e) {
    Tuna.error(e.message);
  }
}

function render() {
  const typed = document.getElementById('filter').value.trim();
  const filter = typed.toLowerCase();
  const rows = studies.filter(s => s.name.toLowerCase().includes(filter));
  if (sort.key) rows.sort((a, b) => Tuna.compare(COLUMNS[sort.key](a), COLUMNS[sort.key](b), sort.dir));
  const body = Tuna.clear(document.querySelector('#studies tbody'));
  if (rows.length === 0) {
    body.append(Tuna.el('tr', {id: 'no-studies'}, Tuna.el('td', {colspan: 10}, studies.length === 0
      ? 'No studies yet: submit one below, or run ./tuna demo in a shell.'
      : 'No study name contains \u201c' + typed + '\u201d.')));
  }
  for (const s of rows) {
    body.append(Tuna.el('tr', {'data-study': s.name},
      Tuna.el('td', {class: 'name'}, Tuna.el('a', {href: Tuna.studyHref(s.name), 'data-focus': 'study\n' + s.name}, s.name)),
      Tuna.el('td', {class: 'nowrap', title: s.timedOut ? 'its timeout ran out' : ''}, s.state + (s.timedOut ? ' (timed out)' : '')),
      // A scheduled study runs its trials at each firing of its cron expression: no total to be a share of.
      Tuna.el('td', {class: 'nowrap', title: s.cron ? 'cron ' + s.cron : s.exhausted ? 'its grid ran out' : ''},
        s.finished + (s.trials == null ? '' : s.cron ? ' (' + s.trials + ' a run)' : ' / ' + s.trials)
        + (s.exhausted ? ' (grid used up)' : '')),
      Tuna.el('td', {class: 'best nowrap'}, s.best ? Tuna.fmt(s.best.value) : '\u2013'),
      Tuna.el('td', {}, s.direction),
      Tuna.el('td', {}, s.sampler || '\u2013'),
      Tuna.el('td', {}, s.pruner || '\u2013'),
      Tuna.el('td', {}, s.trainable || '\u2013'),
      Tuna.el('td', {class: 'created', title: s.created}, Tuna.time(s.created)),
      Tuna.el('td', {class: 'actions'}, ...Tuna.actions(s, deleted => { if (deleted) focusNext(s.name); refresh(); }))));
  }
  for (const th of document.querySelectorAll('#studies th[data-key]')) {
    const dir = sort.key === th.dataset.key ? sort.dir : 0;
    th.classList.toggle('sorted-up', dir > 0);
    th.classList.toggle('sorted-down', dir < 0);
    th.setAttribute('aria-sort', dir > 0 ? 'ascending' : dir < 0 ? 'descending' : 'none');
  }
}

/** A deleted study's row goes: the focus goes on to the next study (or the one before), not to the page's top. */
function focusNext(name) {
  const row = document.querySelector('tr[data-study="' + CSS.escape(name) + '"]');
  const next = row && (row.nextElementSibling || row.previousElementSibling);
  const link = next && next.querySelector('a');
  if (link) link.focus();
}

for (const th of document.querySelectorAll('#studies th[data-key]')) {
  Tuna.sortable(th, 0, () => {
    sort = {key: th.dataset.key, dir: sort.key === th.dataset.key ? -sort.dir : 1};
    render();
  });
}

document.getElementById('filter').addEventListener('input', render);
document.getElementById('spec').value = JSON.stringify(EXAMPLE, null, 2);
document.getElementById('submit').addEventListener('submit', async ev => {
  ev.preventDefault();
  const result = document.getElementById('submit-result');
  // One submission at a time: a double click would post twice and report the first one's study as a duplicate.
  const button = ev.target.querySelector('button[type=submit]');
  if (button.disabled) return;
  button.disabled = true;
  let r, body;
  try {
    r = await Tuna.request('POST', '/api/studies', document.getElementById('spec').value);
    body = await r.json().catch(() => ({detail: 'HTTP ' + r.status}));
  } catch (e) {
    r = {ok: false};
    body = {detail: 'no answer from the server (' + e.message + ')'};
  } finally {
    button.disabled = false;
  }
  Tuna.clear(result);
  if (r.ok) result.append('submitted ', Tuna.el('a', {id: 'submitted', href: Tuna.studyHref(body.name)}, body.name));
  // Every refusal names its field first, as the spec's own do ("name: a study named ... already exists").
  else result.append(Tuna.el('span', {class: 'error'}, body.field && !String(body.detail).startsWith(body.field + ':')
    ? body.field + ': ' + body.detail : body.detail));
  refresh();
});
refresh();
setInterval(refresh, 3000);
