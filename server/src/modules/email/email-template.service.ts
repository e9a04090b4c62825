import type { Clock } from '../../core/clock.js';
import { AppError, notFound, validationError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../db/database.js';
import { page, type Page } from '../../http/schemas.js';
import { defaultTemplate, formatExpiry, type TemplateKind, type TemplateSource } from './default-templates.js';
import { render, unknownVariables, type TemplateValues } from './template-render.js';

export interface EmailTemplate extends TemplateSource {
  id: string;
  name: string;
  kind: TemplateKind;
  createdAt: string;
  updatedAt: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** What a preview fills a template with. */
export function sampleValues(language: string, now: Date): TemplateValues {
  return {
    name: 'Jane Doe',
    email: 'jane@example.com',
    inviteUrl: 'https://parley.example/interview/SAMPLE-TOKEN',
    expiresAt: formatExpiry(new Date(now.getTime() + 7 * 86_400_000).toISOString(), language),
    message: null,
    unsubscribeUrl: 'https://parley.example/e/unsubscribe/SAMPLE',
    'campaign.name': 'Customer feedback',
    'campaign.description': 'Twenty minutes about how you use the product.',
    'organization.name': 'Acme Research',
  };
}

export function renderTemplate(source: TemplateSource, values: TemplateValues): RenderedEmail {
  return { subject: render(source.subject, values, 'subject'), html: render(source.html, values, 'html'), text: render(source.text, values, 'text') };
}

/** Whether a template inserts `name`, written as the renderer reads it (`{{name}}` or `{{ name }}`). */
const uses = (template: string, name: string) => new RegExp(`\\{\\{\\s*${name}\\s*\\}\\}`).test(template);

/** Refuses a template that would render wrong: unknown variables, or no way to reach the interview. */
function checkSource(source: Partial<TemplateSource>): void {
  for (const field of ['subject', 'html', 'text'] as const) {
    const value = source[field];
    if (value === undefined) continue;
    const unknown = unknownVariables(value);
    if (unknown.length > 0) throw validationError(field, `unknown variable(s): ${unknown.join(', ')}`);
  }
  if (source.html !== undefined && (!uses(source.html, 'inviteUrl') || !uses(source.html, 'unsubscribeUrl'))) {
    throw validationError('html', 'the HTML part must contain {{inviteUrl}} and {{unsubscribeUrl}}');
  }
  if (source.text !== undefined && !uses(source.text, 'inviteUrl')) {
    throw validationError('text', 'the text part must contain {{inviteUrl}}');
  }
}

/** An organization's own email templates, and the built-in ones. */
export function createEmailTemplateService(deps: { db: Db; clock: Clock }) {
  const db = deps.db.kysely;
  const toTemplate = (row: { id: string; name: string; kind: string; subject: string; html: string; text: string; created_at: string; updated_at: string }): EmailTemplate => ({
    id: row.id,
    name: row.name,
    kind: row.kind as TemplateKind,
    subject: row.subject,
    html: row.html,
    text: row.text,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  async function get(organizationId: string, id: string): Promise<EmailTemplate> {
    const row = await db.selectFrom('email_templates').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Email template', id);
    return toTemplate(row);
  }

  return {
    get,

    async list(organizationId: string, limit: number, offset: number): Promise<Page<EmailTemplate>> {
      const q = db.selectFrom('email_templates').where('organization_id', '=', organizationId);
      const [rows, total] = await Promise.all([
        q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute(),
        q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return page(rows.map(toTemplate), Number(total.n), limit, offset);
    },

    async create(organizationId: string, input: { name: string; kind: TemplateKind } & TemplateSource): Promise<EmailTemplate> {
      checkSource(input);
      const at = deps.clock.now().toISOString();
      const id = newId('tpl');
      await db.insertInto('email_templates').values({ id, organization_id: organizationId, ...input, created_at: at, updated_at: at }).execute();
      return get(organizationId, id);
    },

    async update(organizationId: string, id: string, patch: Partial<{ name: string } & TemplateSource>): Promise<EmailTemplate> {
      await get(organizationId, id);
      checkSource(patch);
      await db.updateTable('email_templates').set({ ...patch, updated_at: deps.clock.now().toISOString() }).where('id', '=', id).execute();
      return get(organizationId, id);
    },

    async remove(organizationId: string, id: string): Promise<void> {
      const result = await db.deleteFrom('email_templates').where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw notFound('Email template', id);
    },

    /** Refuses an invite or campaign that names a template the organization does not have (of that kind). */
    async assertUsable(organizationId: string, ref: string | null | undefined, kind: TemplateKind = 'invite'): Promise<void> {
      if (!ref || ref === 'default') return;
      const row = await db.selectFrom('email_templates').select(['id', 'kind']).where('organization_id', '=', organizationId).where('id', '=', ref).executeTakeFirst();
      if (!row) throw new AppError('VALIDATION_ERROR', `emailTemplate: no template ${ref} in this organization`, { fields: [{ path: 'emailTemplate', message: 'unknown template' }] });
      if (row.kind !== kind) {
        throw new AppError('VALIDATION_ERROR', `emailTemplate: ${ref} is a template of kind ${row.kind}; this needs kind ${kind}`, {
          fields: [{ path: 'emailTemplate', message: `not a template of kind ${kind}` }],
        });
      }
    },

    /** The template a message uses: the named one of the organization (of the message's kind), or the built-in one. */
    async resolve(organizationId: string, ref: string | null | undefined, kind: TemplateKind, language: string): Promise<TemplateSource> {
      if (ref && ref !== 'default') {
        const row = await db
          .selectFrom('email_templates')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where('id', '=', ref)
          .where('kind', '=', kind)
          .executeTakeFirst();
        if (row) return { subject: row.subject, html: row.html, text: row.text };
      }
      return defaultTemplate(kind, language);
    },

    /** Renders a stored, built-in or unsaved template with sample data. */
    async preview(
      organizationId: string,
      input: { templateId?: string | undefined; kind: TemplateKind; language: string; source?: TemplateSource | undefined; values?: TemplateValues | undefined },
    ): Promise<RenderedEmail> {
      let source: TemplateSource;
      if (input.source) {
        checkSource(input.source);
        source = input.source;
      } else if (input.templateId && input.templateId !== 'default') {
        source = await get(organizationId, input.templateId);
      } else {
        source = defaultTemplate(input.kind, input.language);
      }
      return renderTemplate(source, { ...sampleValues(input.language, deps.clock.now()), ...input.values });
    },
  };
}

export type EmailTemplateService = ReturnType<typeof createEmailTemplateService>;
