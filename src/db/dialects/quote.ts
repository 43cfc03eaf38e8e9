// Identifier quoting shared by the dialects (hand-written SQL lives only under db/dialects).

export const quoteDouble = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const quoteBacktick = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
