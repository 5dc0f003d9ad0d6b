'use strict';
const EXAMPLE = {
  name: 'branin-1', direction: 'minimize', trials: 30,
  sampler: {type: 'sobol', seed: 42}, pruner: {type: 'median'},
  trainable: {type: 'branin', epochs: 5, fixed: {sleepMillis: 50}},
  space: {x1: {type: 'float', low: -5, high: 10}, x2: {type: 'float', low: 0, high: 15}}
};

async function refresh() {
  try {
    const studies = await Tuna.get('/api/studies');
    const body = Tuna.clear(document.querySelector('#studies tbody'));
    for (const s of studies) {
      body.append(Tuna.el('tr', {'data-study': s.name},
        Tuna.el('td', {}, Tuna.el('a', {href: Tuna.studyHref(s.name)}, s.name)),
        Tuna.el('td', {}, s.state),
        Tuna.el('td', {}, s.finished + (s.trials != null ? ' / ' + s.trials : '')),
        Tuna.el('td', {class: 'best'}, s.best ? Tuna.fmt(s.best.value) : '\u2013'),
        Tuna.el('td', {}, s.sampler || '\u2013'),
        Tuna.el('td', {}, s.pruner || '\u2013'),
        Tuna.el('td', {}, s.trainable || '\u2013')));
    }
    Tuna.error('');
  } catch (e) {
    Tuna.error(e.message);
  }
}

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
    r = await fetch('/api/studies', {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: document.getElementById('spec').value});
    body = await r.json().catch(() => ({detail: 'HTTP ' + r.status}));
  } finally {
    button.disabled = false;
  }
  Tuna.clear(result);
  if (r.ok) result.append('submitted ', Tuna.el('a', {id: 'submitted', href: Tuna.studyHref(body.name)}, body.name));
  else result.append(Tuna.el('span', {class: 'error'}, body.detail));
  refresh();
});
refresh();
setInterval(refresh, 3000);
