import QRCode from 'qrcode';
import { AppError } from '../../core/errors.js';
import type { CampaignService } from '../campaigns/campaign.service.js';
import type { Invite, InviteService } from './invite.service.js';

/** The words around a shared link, in the campaign's language. */
const messages: Record<string, { subject: string; body: (campaign: string, url: string) => string }> = {
  en: { subject: 'Your interview invitation', body: (c, u) => `You're invited to take part in an interview: ${c}. Start here: ${u}` },
  es: { subject: 'Tu invitación a una entrevista', body: (c, u) => `Te invitamos a participar en una entrevista: ${c}. Empieza aquí: ${u}` },
  fr: { subject: 'Votre invitation à un entretien', body: (c, u) => `Vous êtes invité(e) à participer à un entretien : ${c}. Commencez ici : ${u}` },
  de: { subject: 'Ihre Einladung zu einem Interview', body: (c, u) => `Sie sind zu einem Interview eingeladen: ${c}. Hier geht es los: ${u}` },
  pt: { subject: 'O seu convite para uma entrevista', body: (c, u) => `Está convidado(a) a participar numa entrevista: ${c}. Comece aqui: ${u}` },
};

export interface ShareLinks {
  inviteUrl: string;
  message: string;
  mailto: string;
  whatsapp: string;
  sms: string;
  qrCode: { png: string; svg: string };
}

/** A link that no longer opens an interview is not worth sharing. */
function assertShareable(invite: Invite): void {
  if (invite.status === 'expired') {
    throw new AppError('INVITE_EXPIRED', 'The invite has expired; extend it before sharing its link');
  }
  if (invite.status === 'cancelled' || invite.status === 'completed') {
    throw new AppError('RESOURCE_CONFLICT', `The invite is ${invite.status}; its link no longer opens an interview`, { status: invite.status });
  }
}

/** Ready-made ways to hand a link over: email, WhatsApp, SMS and a QR code. */
export function createInviteSharing(deps: { invites: InviteService; campaigns: CampaignService; publicUrl: string }) {
  return {
    async links(organizationId: string, inviteId: string): Promise<ShareLinks> {
      const invite = await deps.invites.get(organizationId, inviteId);
      assertShareable(invite);
      const campaign = await deps.campaigns.load(organizationId, invite.campaignId);
      const words = messages[String(campaign.settings.language ?? 'en')] ?? messages.en!;
      const message = words.body(campaign.name, invite.inviteUrl);
      const enc = encodeURIComponent;
      return {
        inviteUrl: invite.inviteUrl,
        message,
        mailto: `mailto:${invite.email ? enc(invite.email) : ''}?subject=${enc(words.subject)}&body=${enc(message)}`,
        whatsapp: `https://wa.me/?text=${enc(message)}`,
        // "sms:?&body=" is read by both iOS and Android messaging apps.
        sms: `sms:?&body=${enc(message)}`,
        qrCode: {
          png: `${deps.publicUrl}/v1/invites/${invite.id}/qr?format=png`,
          svg: `${deps.publicUrl}/v1/invites/${invite.id}/qr?format=svg`,
        },
      };
    },

    async qrCode(organizationId: string, inviteId: string, format: 'png' | 'svg', size: number): Promise<{ type: string; body: Buffer | string }> {
      const invite = await deps.invites.get(organizationId, inviteId);
      assertShareable(invite);
      const options = { errorCorrectionLevel: 'M' as const, margin: 2, width: size };
      return format === 'svg'
        ? { type: 'image/svg+xml', body: await QRCode.toString(invite.inviteUrl, { ...options, type: 'svg' }) }
        : { type: 'image/png', body: await QRCode.toBuffer(invite.inviteUrl, { ...options, type: 'png' }) };
    },
  };
}

export type InviteSharing = ReturnType<typeof createInviteSharing>;
