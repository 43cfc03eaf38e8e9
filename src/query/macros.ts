// Values of the filter language's datetime macros, all in UTC, as PocketBase computes them.
import { formatDate } from '../core/time.js';
import type { MacroName } from './ast.js';

const day = (d: Date, offsetDays: number): Date => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + offsetDays));

export function macroValue(name: MacroName, now: Date = new Date()): string | number {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  switch (name) {
    case '@now': return formatDate(now);
    case '@yesterday': return formatDate(new Date(now.getTime() - 86_400_000));
    case '@tomorrow': return formatDate(new Date(now.getTime() + 86_400_000));
    case '@todayStart': return formatDate(day(now, 0));
    case '@todayEnd': return formatDate(new Date(day(now, 1).getTime() - 1));
    case '@monthStart': return formatDate(new Date(Date.UTC(y, m, 1)));
    case '@monthEnd': return formatDate(new Date(Date.UTC(y, m + 1, 1) - 1));
    case '@yearStart': return formatDate(new Date(Date.UTC(y, 0, 1)));
    case '@yearEnd': return formatDate(new Date(Date.UTC(y + 1, 0, 1) - 1));
    case '@second': return now.getUTCSeconds();
    case '@minute': return now.getUTCMinutes();
    case '@hour': return now.getUTCHours();
    case '@day': return now.getUTCDate();
    case '@month': return m + 1;
    case '@weekday': return now.getUTCDay();
    case '@year': return y;
  }
}
