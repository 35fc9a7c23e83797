/** A private database and its stores, for tests that build a handler context by hand. */
import { createStores } from '../../src/store';

export function storesFor(dataDir?: string) {
  const stores = createStores({ dataDir });
  return { db: stores.db, stores };
}
