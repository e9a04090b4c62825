/**
 * A small, strict template language: `{{path}}` inserts a value, `{{#path}}…{{/path}}` keeps its
 * content only when the value is present, `{{^path}}…{{/path}}` only when it is not. Every value
 * is escaped for where it lands: HTML-escaped in HTML, stripped of line breaks in a subject (no
 * header can be injected), as is in plain text.
 */
export type RenderMode = 'html' | 'text' | 'subject';

export const templateVariables = [
  'name', 'email', 'inviteUrl', 'expiresAt', 'message', 'unsubscribeUrl',
  'campaign.name', 'campaign.description', 'organization.name',
] as const;

export type TemplateValues = Partial<Record<(typeof templateVariables)[number], string | null>>;

const section = /\{\{([#^])\s*([\w.]+)\s*\}\}([\s\S]*?)\{\{\/\s*\2\s*\}\}/g;
const variable = /\{\{\s*([\w.]+)\s*\}\}/g;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function clean(value: string, mode: RenderMode): string {
  if (mode === 'html') return escapeHtml(value);
  if (mode === 'subject') return value.replace(/[\r\n\t\u0000-\u001f\u007f]+/g, ' ');
  return value;
}

export function render(template: string, values: TemplateValues, mode: RenderMode): string {
  const get = (path: string) => values[path as keyof TemplateValues] ?? '';
  const withSections = template.replace(section, (_all, kind: string, path: string, body: string) => {
    const present = get(path) !== '';
    return (kind === '#' ? present : !present) ? body : '';
  });
  const out = withSections.replace(variable, (_all, path: string) => clean(get(path), mode));
  return mode === 'subject' ? out.replace(/\s+/g, ' ').trim() : out;
}

/** Variables a template uses that Parley does not know (typos would silently render empty). */
export function unknownVariables(template: string): string[] {
  const known = new Set<string>(templateVariables);
  const used = new Set<string>();
  for (const match of template.matchAll(/\{\{[#^/]?\s*([\w.]+)\s*\}\}/g)) used.add(match[1]!);
  return [...used].filter((v) => !known.has(v));
}
