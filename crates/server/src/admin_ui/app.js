// The policy simulator page: sends the scenario (policies + request) to the
// HTTP/JSON API's POST /v1/simulate and shows the decision, the
// explanation and the decisive statements highlighted in the policies.
// Text only: every value is written with textContent, never as markup.
'use strict';

const $ = (id) => document.getElementById(id);
let examples = [];

const DECISIONS = {
  ALLOWED: ['Allowed', 'allowed'],
  EXPLICIT_DENY: ['Explicit deny', 'explicit-deny'],
  IMPLICIT_DENY: ['Implicit deny', 'implicit-deny'],
};
// The keys of a scenario that are not policies.
const NOT_POLICIES = new Set(['name', 'description', 'expect', 'request']);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function loadStatus() {
  try {
    const response = await fetch('/v1/status');
    const status = await response.json();
    $('server-status').textContent = status.ready
      ? `serving revision ${status.revision.slice(0, 12)} (${status.principals} principals, ${status.policies} policies); simulations do not use it`
      : 'no store revision loaded; simulations do not need one';
  } catch (error) {
    $('server-status').textContent = `status unavailable: ${error.message}`;
  }
}

async function loadExamples() {
  const response = await fetch('/ui/examples.json');
  examples = await response.json();
  const select = $('example');
  examples.forEach((scenario, i) => {
    const option = element('option', scenario.name || `example ${i + 1}`);
    option.value = String(i);
    select.appendChild(option);
  });
  if (examples.length > 0) {
    select.value = '0';
    pick(0);
  }
}

function pick(i) {
  const scenario = JSON.parse(JSON.stringify(examples[i]));
  const request = scenario.request || {};
  delete scenario.request;
  $('policies').value = JSON.stringify(scenario, null, 2);
  $('request').value = JSON.stringify(request, null, 2);
}

function parse(id, what) {
  try {
    const value = JSON.parse($(id).value);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error('expected a JSON object');
    }
    return value;
  } catch (error) {
    throw new Error(`${what}: ${error.message}`);
  }
}

async function simulate() {
  $('input-error').textContent = '';
  let scenario;
  try {
    scenario = parse('policies', 'Policies');
    scenario.request = parse('request', 'Request');
  } catch (error) {
    $('input-error').textContent = error.message;
    return;
  }
  const button = $('simulate');
  button.disabled = true;
  try {
    const response = await fetch('/v1/simulate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenarioJson: JSON.stringify(scenario) }),
    });
    const body = await response.json();
    if (!response.ok) {
      const error = body.error || {};
      $('input-error').textContent = `${response.status} ${error.status || ''}: ${error.message || ''}`;
      return;
    }
    render(scenario, body);
  } catch (error) {
    $('input-error').textContent = `the server did not answer: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

// Every policy document of the scenario with its label, the JSON path the
// API names it by (`identityPolicies[0]`, `serviceControlPolicies[1][0]`).
function documents(scenario) {
  const found = [];
  const walk = (value, label) => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${label}[${i}]`));
    } else if (value && typeof value === 'object' && 'Statement' in value) {
      found.push({ label, document: value });
    } else if (value && typeof value === 'object') {
      Object.keys(value).forEach((key) => walk(value[key], `${label}.${key}`));
    }
  };
  Object.keys(scenario)
    .filter((key) => !NOT_POLICIES.has(key))
    .forEach((key) => walk(scenario[key], key));
  return found;
}

// Whether the decisive statement `d` names statement `index` of `label`.
function names(d, label, index) {
  const policy = d.policy;
  const at = d.level ? `${policy}[${d.level}]` : policy;
  return (policy === label || at === label) && Number(d.index) === index;
}

function render(scenario, body) {
  const [text, className] = body.error
    ? ['Not evaluated', 'failed']
    : DECISIONS[body.decision] || [body.decision, ''];
  const decision = $('decision');
  decision.textContent = text;
  decision.className = `decision ${className}`;
  $('expectation').textContent = body.hasExpectation
    ? (body.matchesExpectation ? 'as the scenario expects' : 'NOT what the scenario expects')
    : '';

  const explanation = $('explanation');
  explanation.replaceChildren();
  if (body.error) explanation.appendChild(element('li', body.error, 'error'));
  let answer = {};
  try {
    answer = JSON.parse(body.answerJson || '{}');
  } catch (error) {
    answer = {};
  }
  Object.keys(answer)
    .filter((key) => !['name', 'decision', 'decisive', 'error'].includes(key))
    .forEach((key) => {
      const value = answer[key];
      const shown = typeof value === 'string' ? value : JSON.stringify(value);
      explanation.appendChild(element('li', `${key}: ${shown}`));
    });
  if (!body.error && body.decision === 'IMPLICIT_DENY' && explanation.children.length === 0) {
    explanation.appendChild(element('li', 'no statement allows the request, and none denies it'));
  }
  if (!body.error && body.decision !== 'IMPLICIT_DENY' && explanation.children.length === 0) {
    const verb = body.decision === 'ALLOWED' ? 'allow' : 'deny';
    explanation.appendChild(element('li', `the statements below ${verb} the request`));
  }

  const decisive = $('decisive');
  decisive.replaceChildren();
  (body.decisive || []).forEach((d) => {
    const level = d.level ? ` at level ${d.level}` : '';
    const sid = d.sid ? ` (${d.sid})` : '';
    decisive.appendChild(element('li', `${d.policy} Statement[${d.index}]${sid} ${d.effect === 'EFFECT_DENY' ? 'Deny' : 'Allow'}${level}`));
  });
  if ((body.decisive || []).length === 0) decisive.appendChild(element('li', 'none', 'muted'));

  const container = $('documents');
  container.replaceChildren();
  documents(scenario).forEach(({ label, document: doc }) => {
    const box = element('div', undefined, 'document');
    box.appendChild(element('h3', label));
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    const rest = Object.assign({}, doc);
    delete rest.Statement;
    box.appendChild(element('pre', JSON.stringify(rest, null, 2)));
    statements.forEach((statement, i) => {
      const hit = (body.decisive || []).find((d) => names(d, label, i));
      const block = element('div', undefined, 'statement');
      if (hit) {
        block.classList.add('decisive');
        if (hit.effect === 'EFFECT_DENY') block.classList.add('deny');
        block.dataset.decisive = 'true';
      }
      block.appendChild(element('span', `Statement[${i}]${hit ? ' (decisive)' : ''}`, 'statement-label'));
      block.appendChild(element('pre', JSON.stringify(statement, null, 2)));
      box.appendChild(block);
    });
    container.appendChild(box);
  });
  $('answer').textContent = JSON.stringify(body, null, 2);
}

document.addEventListener('DOMContentLoaded', () => {
  $('example').addEventListener('change', (event) => {
    if (event.target.value !== '') pick(Number(event.target.value));
  });
  $('simulate').addEventListener('click', simulate);
  loadStatus();
  loadExamples().catch((error) => {
    $('input-error').textContent = `examples unavailable: ${error.message}`;
  });
});
