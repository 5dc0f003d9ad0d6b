'use strict';
const study = Tuna.param('study');
const number = Tuna.param('n');

async function load() {
  try {
    const t = await Tuna.get('/api/studies/' + encodeURIComponent(study) + '/trials/' + encodeURIComponent(number));
    render(t);
  } catch (e) {
    Tuna.error(e.message);
  }
}

function render(t) {
  document.title = 'Tuna: ' + study + ' #' + t.number;
  const link = document.getElementById('study-link');
  link.setAttribute('href', Tuna.studyHref(study));
  link.textContent = study;
  document.getElementById('title').textContent = 'trial #' + t.number;
  const summary = Tuna.clear(document.getElementById('summary'));
  summary.append(Tuna.el('dl', {},
    Tuna.el('dt', {}, 'State'), Tuna.el('dd', {class: 'state-' + t.state, id: 'state'}, t.state),
    Tuna.el('dt', {}, 'Value'), Tuna.el('dd', {id: 'value'}, Tuna.fmt(t.value)),
    Tuna.el('dt', {}, 'Reason'), Tuna.el('dd', {id: 'reason'}, t.reason || '\u2013'),
    Tuna.el('dt', {}, 'Device'), Tuna.el('dd', {}, t.device || '\u2013'),
    Tuna.el('dt', {}, 'Started'), Tuna.el('dd', {}, t.start || '\u2013'),
    Tuna.el('dt', {}, 'Ended'), Tuna.el('dd', {}, t.end || '\u2013'),
    Tuna.el('dt', {}, 'Seconds'), Tuna.el('dd', {}, (t.durationMillis / 1000).toFixed(2))));
  const params = Tuna.clear(document.querySelector('#params tbody'));
  for (const [name, value] of Object.entries(t.params)) {
    params.append(Tuna.el('tr', {}, Tuna.el('th', {}, name), Tuna.el('td', {}, Tuna.fmt(value)),
      Tuna.el('td', {}, Tuna.fmt(t.distributions[name]))));
  }
  const diagnoses = Tuna.clear(document.getElementById('diagnoses'));
  for (const d of t.diagnoses) diagnoses.append(Tuna.el('li', {}, d.name + ' from step ' + d.step + ': ' + d.detail));
  if (t.diagnoses.length === 0) diagnoses.append(Tuna.el('li', {}, 'none'));
  const charts = Tuna.clear(document.getElementById('charts'));
  const curves = Object.assign({value: t.intermediateValues}, t.metrics);
  for (const [name, curve] of Object.entries(curves)) {
    const steps = Object.keys(curve).map(Number).sort((a, b) => a - b);
    if (steps.length === 0) continue;
    const box = Tuna.el('div', {class: 'chart'});
    charts.append(box);
    const ys = steps.map(s => { const v = curve[s]; return typeof v === 'number' ? v : null; });
    Tuna.chart(box, name, 'step', [steps, ys], [{label: name, stroke: '#06c', width: 2}]);
  }
}
load();
