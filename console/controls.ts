/** Test controls: pins and injected faults listed, added and removed through the control plane; reset with a confirmation. */
import { control } from './api';
import { h, json, show } from './dom';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function controlsPage(root: HTMLElement, operations: string[]): Promise<void> {
  const message = h('p', { id: 'controls-message', class: 'muted' });
  const pinsBox = h('div', { id: 'pins' });
  const faultsBox = h('div', { id: 'faults' });
  const say = (text: string, error = false) => {
    message.textContent = text;
    message.className = error ? 'error' : 'muted';
  };
  const guarded = (work: () => Promise<unknown>) => () => void work().catch((err: Error) => say(err.message, true));
  const operationSelect = (id: string, extra: string[] = []) => h('select', { id }, [...extra, ...operations].map((o) => h('option', { value: o }, o)));

  async function refresh() {
    const [{ pins }, { faults }] = await Promise.all([control<{ pins: Json[] }>('GET', 'pins'), control<{ faults: Json[] }>('GET', 'faults')]);
    show(
      pinsBox,
      pins.length
        ? h('table', { class: 'list' }, h('tbody', {}, pins.map((p) =>
            h('tr', {}, h('td', {}, p.operation), h('td', {}, p.sha256 ? `sha256 ${String(p.sha256).slice(0, 16)}…` : `s3://${p.bucket}/${p.key}`),
              h('td', {}, h('details', {}, h('summary', {}, 'response'), json(p.response))),
              h('td', {}, h('button', { type: 'button', onclick: guarded(async () => { await control('DELETE', 'pins', p.sha256 ? { operation: p.operation, sha256: p.sha256 } : { operation: p.operation, bucket: p.bucket, key: p.key }); await refresh(); }) }, 'Remove'))))))
        : h('p', { class: 'muted' }, 'No pins.'),
    );
    show(
      faultsBox,
      faults.length
        ? h('table', { class: 'list' }, h('tbody', {}, faults.map((f) =>
            h('tr', {}, h('td', {}, `#${f.id}`), h('td', {}, f.operation), h('td', {}, f.error ?? ''), h('td', {}, f.latencyMs ? `${f.latencyMs} ms late` : ''),
              h('td', {}, f.count !== undefined ? `${f.count} call(s)` : f.probability !== undefined ? `p=${f.probability}` : ''), h('td', {}, `${f.hits} hit(s)`),
              h('td', {}, h('button', { type: 'button', onclick: guarded(async () => { await control('DELETE', `faults?id=${f.id}`); await refresh(); }) }, 'Remove'))))))
        : h('p', { class: 'muted' }, 'No faults.'),
    );
  }

  const pinOperation = operationSelect('pin-operation');
  const pinSha = h('input', { id: 'pin-sha256', placeholder: 'sha256 of the image bytes', size: 66 });
  // The image's SHA-256 computed in the page (Web Crypto needs a secure context: localhost is one).
  const pinFile = h('input', { type: 'file', id: 'pin-file', accept: 'image/jpeg,image/png' });
  pinFile.addEventListener('change', async () => {
    const file = pinFile.files?.[0];
    if (!file) return;
    if (!crypto.subtle) return say('this page cannot hash files here (Web Crypto needs https or localhost): paste the SHA-256', true);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
    pinSha.value = [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  });
  const pinBucket = h('input', { id: 'pin-bucket', placeholder: 'bucket' });
  const pinKey = h('input', { id: 'pin-key', placeholder: 'key' });
  const pinResponse = h('textarea', { id: 'pin-response', rows: 5, cols: 80, placeholder: '{"FaceDetails": []}' });
  const addPin = guarded(async () => {
    const selector = pinSha.value.trim() ? { sha256: pinSha.value.trim() } : { bucket: pinBucket.value.trim(), key: pinKey.value.trim() };
    await control('PUT', 'pins', { operation: pinOperation.value, ...selector, response: JSON.parse(pinResponse.value || '{}') });
    say('pinned');
    await refresh();
  });

  const faultOperation = operationSelect('fault-operation', ['*']);
  const faultError = h('input', { id: 'fault-error', placeholder: 'ThrottlingException', list: 'fault-errors' });
  const faultLatency = h('input', { id: 'fault-latency', type: 'number', min: 0, placeholder: 'latency ms' });
  const faultCount = h('input', { id: 'fault-count', type: 'number', min: 1, placeholder: 'count' });
  const faultProbability = h('input', { id: 'fault-probability', type: 'number', min: 0, max: 1, step: 0.05, placeholder: 'probability' });
  const addFault = guarded(async () => {
    const spec: Json = { operation: faultOperation.value };
    if (faultError.value.trim()) spec.error = faultError.value.trim();
    if (faultLatency.value) spec.latencyMs = Number(faultLatency.value);
    if (faultCount.value) spec.count = Number(faultCount.value);
    if (faultProbability.value) spec.probability = Number(faultProbability.value);
    await control('POST', 'faults', spec);
    say('fault added');
    await refresh();
  });

  const reset = guarded(async () => {
    if (!confirm('Delete every collection, face, user, job, project and stream processor of every account and region, and every pin and fault?')) return;
    const result = await control<Json>('POST', 'reset');
    say(`reset: ${result.pinsCleared} pin(s) cleared`);
    await refresh();
  });

  show(
    root,
    h('h2', {}, 'Test controls'),
    message,
    h('section', {}, h('h3', {}, 'Pinned responses'), pinsBox,
      h('div', { class: 'form' }, pinOperation, pinSha, h('label', { class: 'muted' }, 'hash a photo: ', pinFile), h('span', {}, ' or ', pinBucket, ' ', pinKey), pinResponse, h('button', { type: 'button', id: 'add-pin', onclick: addPin }, 'Pin'))),
    h('section', {}, h('h3', {}, 'Injected faults'), faultsBox,
      h('datalist', { id: 'fault-errors' }, ['ThrottlingException', 'ProvisionedThroughputExceededException', 'InternalServerError', 'ServiceUnavailable', 'LimitExceededException'].map((e) => h('option', { value: e }))),
      h('div', { class: 'form' }, faultOperation, faultError, faultLatency, faultCount, faultProbability, h('button', { type: 'button', id: 'add-fault', onclick: addFault }, 'Add fault'))),
    h('section', {}, h('h3', {}, 'Reset'), h('p', { class: 'muted' }, 'Deletes all state of every account and region, every pin and every fault.'), h('button', { type: 'button', id: 'reset', class: 'danger', onclick: reset }, 'Reset the emulator…')),
  );
  await refresh();
}
