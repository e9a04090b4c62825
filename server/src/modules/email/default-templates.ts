/** The built-in invitation and reminder, in the five languages of the interview page. */
export type TemplateKind = 'invite' | 'reminder';

export interface TemplateSource {
  subject: string;
  html: string;
  text: string;
}

interface Words {
  inviteSubject: string;
  reminderSubject: string;
  greeting: string;
  greetingNoName: string;
  inviteIntro: string;
  reminderIntro: string;
  button: string;
  fallback: string;
  expires: string;
  noExpiry: string;
  why: string;
  unsubscribe: string;
}

const words: Record<string, Words> = {
  en: {
    inviteSubject: '{{organization.name}} invites you to an interview: {{campaign.name}}',
    reminderSubject: 'Reminder: your interview for {{campaign.name}} is waiting',
    greeting: 'Hello {{name}},',
    greetingNoName: 'Hello,',
    inviteIntro: '{{organization.name}} would like to hear from you in a short interview: <strong>{{campaign.name}}</strong>.',
    reminderIntro: 'A quick reminder: your interview <strong>{{campaign.name}}</strong> for {{organization.name}} is still waiting for you.',
    button: 'Start the interview',
    fallback: 'If the button does not work, copy this link into your browser:',
    expires: 'This link works until {{expiresAt}}.',
    noExpiry: 'You can use this link whenever you like, and come back to it later.',
    why: 'You received this email because {{organization.name}} invited {{email}} to take part.',
    unsubscribe: 'Unsubscribe',
  },
  es: {
    inviteSubject: '{{organization.name}} te invita a una entrevista: {{campaign.name}}',
    reminderSubject: 'Recordatorio: tu entrevista para {{campaign.name}} te espera',
    greeting: 'Hola {{name}}:',
    greetingNoName: 'Hola:',
    inviteIntro: '{{organization.name}} quiere conocer tu opinión en una breve entrevista: <strong>{{campaign.name}}</strong>.',
    reminderIntro: 'Un recordatorio: tu entrevista <strong>{{campaign.name}}</strong> para {{organization.name}} sigue esperándote.',
    button: 'Empezar la entrevista',
    fallback: 'Si el botón no funciona, copia este enlace en tu navegador:',
    expires: 'Este enlace es válido hasta el {{expiresAt}}.',
    noExpiry: 'Puedes usar este enlace cuando quieras y volver a él más tarde.',
    why: 'Recibes este correo porque {{organization.name}} invitó a {{email}} a participar.',
    unsubscribe: 'Darse de baja',
  },
  fr: {
    inviteSubject: '{{organization.name}} vous invite à un entretien : {{campaign.name}}',
    reminderSubject: 'Rappel : votre entretien {{campaign.name}} vous attend',
    greeting: 'Bonjour {{name}},',
    greetingNoName: 'Bonjour,',
    inviteIntro: '{{organization.name}} aimerait avoir votre avis lors d’un court entretien : <strong>{{campaign.name}}</strong>.',
    reminderIntro: 'Petit rappel : votre entretien <strong>{{campaign.name}}</strong> pour {{organization.name}} vous attend toujours.',
    button: 'Commencer l’entretien',
    fallback: 'Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :',
    expires: 'Ce lien est valable jusqu’au {{expiresAt}}.',
    noExpiry: 'Vous pouvez utiliser ce lien quand vous le souhaitez, et y revenir plus tard.',
    why: 'Vous recevez cet e-mail parce que {{organization.name}} a invité {{email}} à participer.',
    unsubscribe: 'Se désabonner',
  },
  de: {
    inviteSubject: '{{organization.name}} lädt Sie zu einem Interview ein: {{campaign.name}}',
    reminderSubject: 'Erinnerung: Ihr Interview „{{campaign.name}}“ wartet auf Sie',
    greeting: 'Hallo {{name}},',
    greetingNoName: 'Hallo,',
    inviteIntro: '{{organization.name}} möchte Sie in einem kurzen Interview hören: <strong>{{campaign.name}}</strong>.',
    reminderIntro: 'Eine kurze Erinnerung: Ihr Interview <strong>{{campaign.name}}</strong> für {{organization.name}} wartet noch auf Sie.',
    button: 'Interview starten',
    fallback: 'Falls die Schaltfläche nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:',
    expires: 'Dieser Link ist bis {{expiresAt}} gültig.',
    noExpiry: 'Sie können diesen Link jederzeit nutzen und später zurückkehren.',
    why: 'Sie erhalten diese E-Mail, weil {{organization.name}} {{email}} zur Teilnahme eingeladen hat.',
    unsubscribe: 'Abmelden',
  },
  pt: {
    inviteSubject: '{{organization.name}} convida-o para uma entrevista: {{campaign.name}}',
    reminderSubject: 'Lembrete: a sua entrevista {{campaign.name}} está à sua espera',
    greeting: 'Olá {{name}},',
    greetingNoName: 'Olá,',
    inviteIntro: '{{organization.name}} gostaria de ouvir a sua opinião numa breve entrevista: <strong>{{campaign.name}}</strong>.',
    reminderIntro: 'Um lembrete: a sua entrevista <strong>{{campaign.name}}</strong> para {{organization.name}} continua à sua espera.',
    button: 'Começar a entrevista',
    fallback: 'Se o botão não funcionar, copie esta ligação para o seu navegador:',
    expires: 'Esta ligação é válida até {{expiresAt}}.',
    noExpiry: 'Pode usar esta ligação quando quiser e voltar a ela mais tarde.',
    why: 'Recebeu este e-mail porque {{organization.name}} convidou {{email}} a participar.',
    unsubscribe: 'Cancelar subscrição',
  },
};

export const emailLanguages = Object.keys(words);

function html(w: Words, kind: TemplateKind): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{campaign.name}}</title></head>
<body style="margin:0;padding:0;background:#f4f4f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f7;"><tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2330;font-size:16px;line-height:1.5;">
<tr><td style="padding:32px 32px 8px;">
<p style="margin:0 0 16px;">{{#name}}${w.greeting}{{/name}}{{^name}}${w.greetingNoName}{{/name}}</p>
<p style="margin:0 0 16px;">${kind === 'invite' ? w.inviteIntro : w.reminderIntro}</p>
{{#campaign.description}}<p style="margin:0 0 16px;color:#4a5062;">{{campaign.description}}</p>{{/campaign.description}}
{{#message}}<p style="margin:0 0 16px;padding:12px 16px;border-left:3px solid #6366f1;background:#f6f6fe;white-space:pre-line;">{{message}}</p>{{/message}}
</td></tr>
<tr><td align="center" style="padding:8px 32px 24px;">
<table role="presentation" cellpadding="0" cellspacing="0"><tr><td style="border-radius:6px;background:#4f46e5;">
<a href="{{inviteUrl}}" style="display:inline-block;padding:14px 28px;color:#ffffff;text-decoration:none;font-weight:600;border-radius:6px;">${w.button}</a>
</td></tr></table>
</td></tr>
<tr><td style="padding:0 32px 24px;font-size:14px;color:#4a5062;">
<p style="margin:0 0 8px;">${w.fallback}</p>
<p style="margin:0 0 16px;word-break:break-all;"><a href="{{inviteUrl}}" style="color:#4f46e5;">{{inviteUrl}}</a></p>
<p style="margin:0;">{{#expiresAt}}${w.expires}{{/expiresAt}}{{^expiresAt}}${w.noExpiry}{{/expiresAt}}</p>
</td></tr>
<tr><td style="padding:16px 32px 32px;border-top:1px solid #ececf1;font-size:12px;color:#7a8093;">
<p style="margin:0 0 4px;">${w.why}</p>
<p style="margin:0;"><a href="{{unsubscribeUrl}}" style="color:#7a8093;">${w.unsubscribe}</a></p>
</td></tr>
</table>
</td></tr></table>
</body></html>
`;
}

function text(w: Words, kind: TemplateKind): string {
  const plain = (s: string) => s.replace(/<\/?strong>/g, '');
  return [
    `{{#name}}${w.greeting}{{/name}}{{^name}}${w.greetingNoName}{{/name}}`,
    '',
    plain(kind === 'invite' ? w.inviteIntro : w.reminderIntro),
    '{{#campaign.description}}',
    '{{campaign.description}}',
    '{{/campaign.description}}{{#message}}',
    '{{message}}',
    '{{/message}}',
    `${w.button}: {{inviteUrl}}`,
    '',
    `{{#expiresAt}}${w.expires}{{/expiresAt}}{{^expiresAt}}${w.noExpiry}{{/expiresAt}}`,
    '',
    '--',
    w.why,
    `${w.unsubscribe}: {{unsubscribeUrl}}`,
    '',
  ].join('\n');
}

export function defaultTemplate(kind: TemplateKind, language: string): TemplateSource {
  const w = words[language] ?? words.en!;
  return { subject: kind === 'invite' ? w.inviteSubject : w.reminderSubject, html: html(w, kind), text: text(w, kind) };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** Dates in the reader's language, in UTC (the zone is named, so nobody has to guess). */
export function formatExpiry(iso: string | null, language: string): string | null {
  if (!iso) return null;
  let format = dateFormats.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
    dateFormats.set(language, format);
  }
  return `${format.format(new Date(iso))} UTC`;
}
