import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../db/database.js';
import { parseJson } from '../../db/database.js';
import type { TokenVault } from '../invites/invite-tokens.js';
import type { EmailEvents } from './email-events.js';
import { createEmailRepository } from './email.repository.js';
import { escapeHtml } from './template-render.js';
import type { TrackingLinks } from './tracking-links.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import type { SuppressionService } from './suppression.service.js';

const pixel = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Security gateways that fetch every image and link of a message as it arrives. */
const scanner = /(barracuda|mimecast|proofpoint|messagelabs|symantec|microsoft office protection|safelinks|bingpreview|zscaler|forcepoint|trend ?micro|fortiguard|sophos|cisco|ironport|urldefense|python-requests|go-http-client|curl\/|wget\/|headless)/i;
const scannerWindowMs = 10_000;

const pages: Record<string, { confirm: string; button: string; done: string; invalid: string }> = {
  en: { confirm: 'Stop receiving interview invitations from {org}?', button: 'Unsubscribe', done: 'You will no longer receive emails from {org} through Parley.', invalid: 'This unsubscribe link is not valid.' },
  es: { confirm: '¿Dejar de recibir invitaciones a entrevistas de {org}?', button: 'Darse de baja', done: 'Ya no recibirás correos de {org} a través de Parley.', invalid: 'Este enlace para darse de baja no es válido.' },
  fr: { confirm: 'Ne plus recevoir d’invitations à des entretiens de {org} ?', button: 'Se désabonner', done: 'Vous ne recevrez plus d’e-mails de {org} via Parley.', invalid: 'Ce lien de désabonnement n’est pas valide.' },
  de: { confirm: 'Keine Interview-Einladungen von {org} mehr erhalten?', button: 'Abmelden', done: 'Sie erhalten keine E-Mails von {org} über Parley mehr.', invalid: 'Dieser Abmeldelink ist ungültig.' },
  pt: { confirm: 'Deixar de receber convites para entrevistas de {org}?', button: 'Cancelar subscrição', done: 'Deixará de receber e-mails de {org} através da Parley.', invalid: 'Esta ligação de cancelamento não é válida.' },
};

/** Puts the (already escaped) organization name in a sentence; a function, so `$&` in a name stays literal. */
const withOrg = (sentence: string, org: string) => sentence.replace('{org}', () => org);

/** HEAD requests come from link checkers and scanners, never from a person reading the email. */
const byPerson = (method: string) => method !== 'HEAD';

function page(reply: FastifyReply, status: number, lang: string, body: string) {
  return reply
    .status(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('Referrer-Policy', 'no-referrer')
    .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .send(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Parley</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5">${body}</body></html>`);
}

/** The open pixel, the click redirect and the unsubscribe page: public, and signed per message. */
export function trackingRoutes(deps: { db: Db; clock: Clock; links: TrackingLinks; events: EmailEvents; vault: TokenVault; organizations: Pick<OrganizationService, 'interviewUrl'>; suppressions: Pick<SuppressionService, 'suppressedAmong'> }): FastifyPluginAsync {
  return async (app) => {
    const repo = createEmailRepository(deps.db.kysely);
    // RFC 8058 one-click unsubscribe posts "List-Unsubscribe=One-Click" as a form.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    // RFC 8058's own example posts it as multipart/form-data; the body is not needed, only accepted.
    app.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    const byScanner = (userAgent: string | undefined, sentAt: string | null) =>
      !!userAgent && scanner.test(userAgent) && sentAt !== null && deps.clock.now().getTime() - Date.parse(sentAt) < scannerWindowMs;

    async function context(messageId: string) {
      return deps.db.kysely
        .selectFrom('email_messages as m')
        .innerJoin('invites as i', 'i.id', 'm.invite_id')
        .innerJoin('campaigns as c', 'c.id', 'm.campaign_id')
        .innerJoin('organizations as o', 'o.id', 'm.organization_id')
        .select(['m.id', 'm.sent_at', 'i.token_encrypted', 'c.settings', 'o.name as organization_name', 'o.domain', 'm.organization_id', 'm.to_address'])
        .where('m.id', '=', messageId)
        .executeTakeFirst();
    }

    app.get<{ Params: { token: string } }>('/e/open/:token', { schema: { hide: true } }, async (request, reply) => {
      try {
        const id = deps.links.verify('open', request.params.token);
        const message = id ? await repo.find(id) : undefined;
        if (message && byPerson(request.method) && !byScanner(request.headers['user-agent'], message.sent_at)) {
          await deps.events.record(message.id, { type: 'opened', raw: { userAgent: request.headers['user-agent'] ?? null } }, 'tracking');
        }
      } catch (error) {
        // The image is served whatever happens to the recording.
        request.log.warn({ err: error }, 'could not record an email open');
      }
      return reply.header('Content-Type', 'image/gif').header('Cache-Control', 'no-store, max-age=0').send(pixel);
    });

    app.get<{ Params: { token: string } }>('/e/click/:token', { schema: { hide: true } }, async (request, reply) => {
      const id = deps.links.verify('click', request.params.token);
      const found = id ? await context(id) : undefined;
      if (!found) return page(reply, 404, 'en', `<p>${pages.en!.invalid}</p>`);
      const target = deps.organizations.interviewUrl({ domain: found.domain }, deps.vault.reveal(found.token_encrypted));
      try {
        if (byPerson(request.method) && !byScanner(request.headers['user-agent'], found.sent_at)) {
          await deps.events.record(found.id, { type: 'clicked', raw: { userAgent: request.headers['user-agent'] ?? null } }, 'tracking');
        }
      } catch (error) {
        request.log.warn({ err: error }, 'could not record an email click');
      }
      return reply.header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer').redirect(target, 302);
    });

    async function unsubscribe(token: string) {
      const id = deps.links.verify('unsubscribe', token);
      const found = id ? await context(id) : undefined;
      const settings = found ? parseJson<Record<string, unknown>>(found.settings) ?? {} : {};
      const lang = typeof settings.language === 'string' && Object.hasOwn(pages, settings.language) ? settings.language : 'en';
      return { found, lang, words: pages[lang]! };
    }

    app.get<{ Params: { token: string } }>('/e/unsubscribe/:token', { schema: { hide: true } }, async (request, reply) => {
      const { found, lang, words } = await unsubscribe(request.params.token);
      if (!found) return page(reply, 404, lang, `<p>${words.invalid}</p>`);
      const org = escapeHtml(found.organization_name);
      return page(
        reply,
        200,
        lang,
        `<p>${withOrg(words.confirm, org)}</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit" style="padding:.6rem 1.2rem;font-size:1rem">${words.button}</button></form>`,
      );
    });

    app.post<{ Params: { token: string } }>('/e/unsubscribe/:token', { schema: { hide: true } }, async (request, reply) => {
      const { found, lang, words } = await unsubscribe(request.params.token);
      if (!found) return page(reply, 404, lang, `<p>${words.invalid}</p>`);
      const already = (await deps.suppressions.suppressedAmong(found.organization_id, [found.to_address])).size > 0;
      if (!already) await deps.events.record(found.id, { type: 'unsubscribed', detail: 'one-click or page' }, 'tracking');
      return page(reply, 200, lang, `<p>${withOrg(words.done, escapeHtml(found.organization_name))}</p>`);
    });
  };
}
