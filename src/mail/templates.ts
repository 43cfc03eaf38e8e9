// Collection mail templates (PocketBase's placeholders) rendered to a subject and an HTML body.
import type { EmailTemplate } from '../collections/index.js';

export interface TemplateValues {
  readonly APP_NAME: string;
  readonly APP_URL: string;
  readonly [placeholder: string]: string;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** `{NAME}` placeholders replaced: escaped in the body (values may come from records), plain in the subject. */
export function renderTemplate(template: EmailTemplate, values: TemplateValues): { subject: string; html: string } {
  const fill = (text: string, escape: boolean) =>
    text.replace(/\{([A-Z_]+)\}/g, (whole, name: string) => (name in values ? (escape ? escapeHtml(values[name]!) : values[name]!) : whole));
  return { subject: fill(template.subject, false), html: fill(template.body, true) };
}

/** A readable plain-text alternative: links kept as "text (url)", tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>(.*?)<\/a>/gis, (_m, href: string, label: string) => `${label} (${href})`)
    .replace(/<(br|\/p|\/div|\/h\d|\/li)\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
