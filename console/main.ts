/**
 * The console page: a header (account and region, the pages) and one page at a time, chosen by
 * the address's hash (#try, #state, #requests, #controls) so each page has its own link.
 */
import { get, scope } from './api';
import { controlsPage } from './controls';
import { h, show } from './dom';
import { requestsPage } from './requests';
import { statePage } from './state';
import { STYLE } from './style';
import { tryPage } from './try';

interface Info {
  version: string;
  defaultAccount: string;
  defaultRegion: string;
  strictAuth: boolean;
  operations: string[];
}

const PAGES: Record<string, string> = { try: 'Try an image', state: 'State', requests: 'Requests', controls: 'Test controls' };

async function main() {
  document.head.appendChild(h('style', {}, STYLE));
  const app = document.getElementById('app')!;
  let info: Info;
  try {
    info = await get<Info>('info');
  } catch (err) {
    show(app, h('p', { class: 'error' }, `The console cannot reach its emulator: ${(err as Error).message}. Under --strict-auth open it as /_rekognition/console/?token=YOUR_CONTROL_TOKEN.`));
    return;
  }
  scope.account = info.defaultAccount;
  scope.region = info.defaultRegion;

  const account = h('input', { id: 'account', value: scope.account, list: 'known-accounts', size: 14, pattern: '\\d{12}' });
  const region = h('input', { id: 'region', value: scope.region, list: 'known-regions', size: 14 });
  const accounts = h('datalist', { id: 'known-accounts' });
  const regions = h('datalist', { id: 'known-regions' });
  const nav = h('nav', {}, Object.entries(PAGES).map(([id, title]) => h('a', { href: `#${id}`, id: `nav-${id}` }, title)));
  const main = h('main', { id: 'page' });
  show(
    app,
    h('header', {}, h('h1', {}, 'rekognition-local ', h('span', { class: 'muted' }, info.version)), nav,
      h('div', { class: 'scope' }, h('label', {}, 'Account ', account), ' ', h('label', {}, 'Region ', region), accounts, regions)),
    main,
  );

  void get<{ scopes: { account: string; region: string }[] }>('scopes').then(({ scopes }) => {
    show(accounts, [...new Set(scopes.map((s) => s.account))].map((a) => h('option', { value: a })));
    show(regions, [...new Set(scopes.map((s) => s.region))].map((r) => h('option', { value: r })));
  });

  let leave: (() => void) | undefined;
  const route = () => {
    leave?.();
    leave = undefined;
    const page = location.hash.slice(1) in PAGES ? location.hash.slice(1) : 'try';
    for (const id of Object.keys(PAGES)) document.getElementById(`nav-${id}`)!.classList.toggle('active', id === page);
    main.dataset.page = page;
    main.dataset.ready = 'false';
    const done = () => (main.dataset.ready = 'true');
    const failed = (err: Error) => {
      show(main, h('p', { class: 'error' }, err.message));
      done();
    };
    if (page === 'try') {
      tryPage(main);
      done();
    } else if (page === 'state') statePage(main).then(done, failed);
    else if (page === 'requests') {
      leave = requestsPage(main);
      done();
    } else controlsPage(main, info.operations).then(done, failed);
  };
  const rescope = () => {
    if (!/^\d{12}$/.test(account.value) || !region.value) return;
    scope.account = account.value;
    scope.region = region.value;
    route();
  };
  account.addEventListener('change', rescope);
  region.addEventListener('change', rescope);
  window.addEventListener('hashchange', route);
  route();
}

void main();
