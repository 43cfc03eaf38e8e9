// Settings live in one `_params` row as JSON, secrets sealed with MS_SECRET. Reads come from memory
// (every request may consult them); writes go to the database first, then replace the copy.
import type { Bus } from '../cache/index.js';
import type { SecretBox } from '../core/secret-box.js';
import { formatDate } from '../core/time.js';
import type { Database } from '../db/index.js';
import { defaultSettings, mergeSettings, SECRET_FIELDS, type Settings } from './model.js';

const TABLE = '_params';
const ROW_ID = 'settings';
/** Bus channel telling the other nodes to re-read the settings. */
const CHANGED_CHANNEL = 'settings.changed';

export interface SettingsStore {
  /** The settings in force, secrets in the clear (for the server's own use). */
  current(): Settings;
  /** Applies a PATCH (already schema-checked) and stores it; returns the new settings. */
  update(patch: unknown): Promise<Settings>;
  /** Re-reads the stored row (start-up, or another node changed it). */
  reload(): Promise<Settings>;
  /** Called after every change with the new settings. */
  onChange(listener: (settings: Settings) => void): void;
}

function transformSecrets(settings: Settings, transform: (value: string) => string): Settings {
  const out: Record<string, unknown> = { ...settings };
  for (const [s, f] of SECRET_FIELDS) {
    const sectionValue = settings[s] as unknown as Record<string, unknown>;
    const value = sectionValue[f];
    if (typeof value === 'string' && value !== '') out[s] = { ...sectionValue, [f]: transform(value) };
  }
  return out as unknown as Settings;
}

export function createSettingsStore(database: Database, secrets: SecretBox, bus: Bus, app: { name: string; url: string }): SettingsStore {
  const defaults = defaultSettings(app);
  let settings = defaults;
  const listeners: ((s: Settings) => void)[] = [];
  const publish = (next: Settings): Settings => {
    settings = next;
    for (const listener of listeners) listener(next);
    return next;
  };

  async function readStored(): Promise<Settings> {
    const row = await database.db.selectFrom(TABLE).select('value').where('id', '=', ROW_ID).executeTakeFirst();
    if (!row) return defaults;
    const raw: unknown = typeof row.value === 'string' ? JSON.parse(row.value) : row.value;
    // Merging over the defaults picks up sections added since the row was written.
    return transformSecrets(mergeSettings(defaults, raw), (v) => secrets.open(v));
  }

  // Another node changed them: this node's copy is stale (its own changes are in place already).
  bus.subscribe(CHANGED_CHANNEL, () => {
    readStored().then(publish, () => undefined);
  }, { othersOnly: true });

  return {
    current: () => settings,
    async reload() {
      return publish(await readStored());
    },
    async update(patch) {
      const next = mergeSettings(await readStored(), patch);
      const value = JSON.stringify(transformSecrets(next, (v) => secrets.seal(v)));
      const now = formatDate(new Date());
      await database.transaction(async (trx) => {
        const updated = await trx.updateTable(TABLE).set({ value, updated: now }).where('id', '=', ROW_ID).executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) await trx.insertInto(TABLE).values({ id: ROW_ID, value, created: now, updated: now }).execute();
      });
      publish(next);
      bus.publish(CHANGED_CHANNEL, '');
      return next;
    },
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
