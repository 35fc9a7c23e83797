/** The requests log: the emulator's last API calls; one click shows its bodies (image bytes elided). */
import { get } from './api';
import { h, json, show, time } from './dom';

interface Logged {
  seq: number;
  time: number;
  operation: string;
  account: string;
  region: string;
  requestId: string;
  status: number;
  latencyMs: number;
  error?: string;
}

export function requestsPage(root: HTMLElement): () => void {
  const table = h('tbody', { id: 'requests-rows' });
  const detail = h('div', { id: 'request-detail' });
  const count = h('span', { class: 'muted' });

  async function open(seq: number) {
    try {
      const entry = await get<Record<string, unknown>>(`requests/${seq}`);
      show(
        detail,
        h('h3', {}, `${entry.operation} · ${entry.status} · ${entry.requestId}`),
        h('div', { class: 'columns' }, h('section', {}, h('h4', {}, entry.requestCut ? 'Request (cut)' : 'Request'), json(entry.request)), h('section', {}, h('h4', {}, entry.responseCut ? 'Response (cut)' : 'Response'), json(entry.response))),
      );
    } catch (err) {
      show(detail, h('p', { class: 'error' }, String(err)));
    }
  }

  async function refresh() {
    const { requests } = await get<{ requests: Logged[] }>('requests');
    count.textContent = `${requests.length} kept, newest first`;
    show(
      table,
      requests.map((r) =>
        h(
          'tr',
          { 'data-seq': r.seq, class: r.status === 200 ? 'ok' : 'failed', onclick: () => void open(r.seq) },
          h('td', {}, time(r.time)),
          h('td', {}, r.operation),
          h('td', {}, r.account),
          h('td', {}, r.region),
          h('td', {}, r.status),
          h('td', { class: 'num' }, `${r.latencyMs.toFixed(1)} ms`),
          h('td', {}, r.error ?? ''),
        ),
      ),
    );
  }

  show(
    root,
    h('h2', {}, 'Requests ', count),
    h('p', { class: 'muted' }, 'The last API calls this emulator answered (the console\'s own calls included). Click one to see its bodies.'),
    h('table', { class: 'list' }, h('thead', {}, h('tr', {}, ['Time (UTC)', 'Operation', 'Account', 'Region', 'Status', 'Latency', 'Error'].map((c) => h('th', {}, c)))), table),
    detail,
  );
  void refresh();
  const timer = setInterval(() => void refresh().catch(() => undefined), 3000);
  return () => clearInterval(timer);
}
