// The password field's `rejectCommon` check: the 10 000 most common passwords of zxcvbn-ts's ranked
// list (MIT), read on first use only, since most apps never turn the option on.
import { createRequire } from 'node:module';

const LIST_SIZE = 10_000;

let common: ReadonlySet<string> | null = null;

/** NFKC folds look-alike forms (full-width letters, ligatures) together; case is ignored. */
const normalize = (password: string): string => password.normalize('NFKC').toLowerCase();

function load(): ReadonlySet<string> {
  // NOTE: a synchronous require keeps field validation synchronous; the package ships CommonJS.
  const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as { dictionary: Record<string, unknown> };
  const ranked = dictionary['passwords-common'];
  if (!Array.isArray(ranked)) throw new Error('@zxcvbn-ts/language-common has no passwords-common list');
  return new Set(ranked.slice(0, LIST_SIZE).map((p) => normalize(String(p))));
}

/** Whether `password` is among the 10 000 most common passwords, ignoring case and Unicode form. */
export function isCommonPassword(password: string): boolean {
  common ??= load();
  return common.has(normalize(password));
}
