import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api, TestApp } from '../app.js';
import { createCampaign, createPublishedScript } from '../fixtures.js';
import { createListeningApp } from '../listening-app.js';
import { accessibilityProblems, launchChromium, phone, screenshot, watchProblems } from './browser.js';

// The participant's whole journey in real headless Chromium on a phone-sized screen, against the
// real server and the built page (web/dist: run `npm run build` first).

const builtPage = fileURLToPath(new URL('../../../web/dist/index.html', import.meta.url));

let t: TestApp & { baseUrl: string };
let browser: Browser;
let api: Api;

beforeAll(async () => {
  if (!existsSync(builtPage)) throw new Error(`${builtPage} is missing: run \`npm run build\` before \`npm run test:e2e\``);
  [t, browser] = await Promise.all([createListeningApp(), launchChromium()]);
  api = (await t.newOrg()).api;
});

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function newPhone(locale?: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await phone(browser, locale ? { locale } : {});
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return { context, page, problems: watchProblems(page) };
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await accessibilityProblems(page)).toEqual([]);
}

/** Waits (up to 10 s) for what the page shows to match. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000, interval: 50 });

const heading = (page: Page) => page.getByRole('heading', { level: 1 });

const questions = [
  { id: 'q1', text: 'Hi {{name}}, how was your first week at {{company}}?', type: 'open', followUp: { enabled: true, maxFollowUps: 1, prompt: 'Dig deeper' } },
  { id: 'q2', text: 'How likely are you to recommend us to a friend?', type: 'rating', scale: { min: 0, max: 10 } },
  { id: 'q3', text: 'Which plan are you on?', type: 'multiple_choice', options: ['Free', 'Pro', 'Enterprise'] },
  { id: 'q4', text: 'Would you join a follow-up study?', type: 'yes_no', required: false },
];

async function campaignWith(settings: Record<string, unknown>, overrides: Record<string, unknown> = {}, script: Record<string, unknown> = {}) {
  const published = await createPublishedScript(api, { questions, ...script });
  return createCampaign(api, {
    scriptId: published.id,
    name: 'New starter feedback',
    description: 'Tell us how your first weeks went, so we can make them better for the next people who join.',
    settings: { language: 'en', ...settings },
    ...overrides,
  });
}

async function invite(campaignId: string, body: Record<string, unknown> = {}) {
  const res = await api.post(`/v1/campaigns/${campaignId}/invites`, { sendEmail: false, ...body });
  expect(res.status, res.raw).toBe(201);
  return res.body as { id: string; token: string; url?: string; inviteUrl?: string };
}

const linkOf = (token: string) => `${t.baseUrl}/interview/${token}`;

describe('the interview page', () => {
  it('takes a participant from the welcome screen to the thank-you page, with a follow-up, leaving and resuming', async () => {
    const campaign = await campaignWith({ requireConsent: true });
    const inv = await invite(campaign.id, { email: 'ana@example.com', name: 'Ana' });

    // Opening the link shows the welcome screen and consumes nothing.
    const first = await newPhone();
    const opened = await first.page.goto(`${linkOf(inv.token)}?company=Acme`);
    expect(opened?.status()).toBe(200);
    const headers = opened!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['referrer-policy']).toBe('no-referrer');
    await poll(() => heading(first.page).textContent()).toBe('New starter feedback');
    const welcome = first.page.locator('main');
    await poll(() => welcome.textContent()).toContain('Hello, Ana');
    expect(await welcome.textContent()).toContain('4 questions');
    expect(await welcome.textContent()).toMatch(/about \d+ minutes?/);
    expect(await welcome.textContent()).toContain('This link is valid until');
    expect(await first.page.getAttribute('html', 'lang')).toBe('en');
    expect(await first.page.title()).toContain('New starter feedback');
    await screenshot(first.page, '01-welcome');
    await expectAccessible(first.page);
    expect((await api.get(`/v1/invites/${inv.id}`)).body.status).toBe('pending');

    // Starting is the deliberate step; consent comes first.
    await first.page.getByRole('button', { name: 'Start the interview' }).click();
    await poll(() => heading(first.page).textContent()).toBe('Before we begin');
    expect(await first.page.locator('main').textContent()).toContain('New starter feedback records your answers');
    await screenshot(first.page, '02-consent');
    await expectAccessible(first.page);
    expect((await api.get(`/v1/invites/${inv.id}`)).body.status).toBe('started');
    await first.page.getByRole('button', { name: 'I agree' }).click();

    // An open question, personalised from the invite and the link's query; a vague answer earns a follow-up.
    await poll(() => heading(first.page).textContent()).toBe('Hi Ana, how was your first week at Acme?');
    const progress = first.page.getByRole('progressbar', { name: 'Interview progress' });
    expect(await progress.getAttribute('aria-valuetext')).toBe('Question 1 of 4');
    expect(await first.page.locator('header').textContent()).toContain('Question 1 of 4');
    expect(await first.page.getByRole('button', { name: 'Skip this question' }).count()).toBe(0);
    await first.page.getByRole('button', { name: 'Next' }).click();
    await poll(() => first.page.getByRole('alert').textContent()).toBe('Please answer this question to go on.');
    const answerBox = first.page.getByRole('textbox', { name: 'Hi Ana, how was your first week at Acme?' });
    await answerBox.fill('It was fine I guess');
    await screenshot(first.page, '03-open-question');
    await expectAccessible(first.page);
    // What is typed and not yet sent survives a reload.
    await first.page.reload();
    await first.page.getByRole('button', { name: 'Continue' }).click();
    await poll(() => answerBox.inputValue()).toBe('It was fine I guess');
    await first.page.getByRole('button', { name: 'Next' }).click();

    await poll(() => first.page.locator('.tag').textContent()).toBe('Follow-up question');
    const followUp = (await heading(first.page).textContent()) ?? '';
    expect(followUp).toContain('fine');
    const thread = first.page.locator('ol.thread');
    expect(await thread.textContent()).toContain('Hi Ana, how was your first week at Acme?');
    expect(await thread.textContent()).toContain('It was fine I guess');
    expect(await first.page.locator('[aria-live="polite"]').textContent()).toContain(followUp);
    await screenshot(first.page, '04-follow-up');
    await expectAccessible(first.page);
    // A reload in the middle of a follow-up: the conversation it follows is still there.
    await first.page.reload();
    await first.page.getByRole('button', { name: 'Continue' }).click();
    await poll(() => first.page.locator('.tag').textContent()).toBe('Follow-up question');
    expect(await heading(first.page).textContent()).toBe(followUp);
    expect(await thread.textContent()).toContain('Hi Ana, how was your first week at Acme?');
    expect(await thread.textContent()).toContain('It was fine I guess');
    // The sent answer's draft is gone: the follow-up starts empty.
    expect(await first.page.getByRole('textbox').inputValue()).toBe('');
    await first.page.getByRole('textbox').fill('My onboarding buddy helped a lot, and my laptop was ready on day one, which saved me days.');
    await first.page.getByRole('button', { name: 'Next' }).click();

    // A rating question, answered with the keyboard only.
    await poll(() => heading(first.page).textContent()).toBe('How likely are you to recommend us to a friend?');
    expect(await progress.getAttribute('aria-valuetext')).toBe('Question 2 of 4');
    expect(await first.page.locator('[aria-live="polite"]').textContent()).toBe('Question 2 of 4: How likely are you to recommend us to a friend?');
    const scale = first.page.getByRole('radiogroup', { name: 'How likely are you to recommend us to a friend?' });
    expect(await scale.getByRole('radio').count()).toBe(11);
    await screenshot(first.page, '05-rating');
    await expectAccessible(first.page);
    expect(await first.page.evaluate(() => (globalThis as any).document.activeElement.tagName)).toBe('H1');
    await first.page.keyboard.press('Tab');
    expect(await first.page.evaluate(() => (globalThis as any).document.activeElement.value)).toBe('0');
    for (let i = 0; i < 9; i++) await first.page.keyboard.press('ArrowRight');
    expect(await scale.getByRole('radio', { name: '9' }).isChecked()).toBe(true);
    await screenshot(first.page, '05b-rating-keyboard');
    await first.page.keyboard.press('Tab');
    expect(await first.page.evaluate(() => (globalThis as any).document.activeElement.textContent)).toBe('Next');
    await first.page.keyboard.press('Enter');

    // Multiple choice is next; the participant leaves before answering it.
    await poll(() => heading(first.page).textContent()).toBe('Which plan are you on?');
    await first.context.close();
    expect(first.problems).toEqual([]);

    // The same link on another device: the link says "Continue", and it lands on the next unanswered step.
    const second = await newPhone();
    await second.page.goto(linkOf(inv.token));
    await poll(() => second.page.locator('main').textContent()).toContain('You have already started this interview');
    await expectAccessible(second.page);
    await second.page.getByRole('button', { name: 'Continue' }).click();
    await poll(() => heading(second.page).textContent()).toBe('Which plan are you on?');
    expect(await second.page.getByRole('progressbar').getAttribute('aria-valuetext')).toBe('Question 3 of 4');
    const plans = second.page.getByRole('radiogroup', { name: 'Which plan are you on?' });
    await plans.getByRole('radio', { name: 'Pro' }).check();
    await screenshot(second.page, '06-multiple-choice');
    await expectAccessible(second.page);
    await second.page.getByRole('button', { name: 'Next' }).click();

    // An optional yes/no question.
    await poll(() => heading(second.page).textContent()).toBe('Would you join a follow-up study?');
    expect(await second.page.locator('.tag').textContent()).toBe('Optional');
    expect(await second.page.getByRole('button', { name: 'Skip this question' }).count()).toBe(1);
    await second.page.getByRole('radiogroup').getByRole('radio', { name: 'Yes' }).check();
    await expectAccessible(second.page);
    await second.page.getByRole('button', { name: 'Next' }).click();

    // Review, submit, thank you.
    await poll(() => heading(second.page).textContent()).toBe('Ready to submit');
    expect(await second.page.locator('main').textContent()).toContain('Questions answered: 4 of 4.');
    await expectAccessible(second.page);
    await second.page.getByRole('button', { name: 'Submit my answers' }).click();
    await poll(() => heading(second.page).textContent()).toBe('Thank you!');
    await screenshot(second.page, '07-thank-you');
    await expectAccessible(second.page);

    // Opening the link again: already completed; no second session.
    await second.page.goto(linkOf(inv.token));
    await poll(() => heading(second.page).textContent()).toBe('You have already completed this interview');
    await expectAccessible(second.page);
    expect(second.problems).toEqual([]);

    expect((await api.get(`/v1/invites/${inv.id}`)).body.status).toBe('completed');
    const sessions = (await api.get(`/v1/campaigns/${campaign.id}/sessions`)).body;
    expect(sessions.pagination.total).toBe(1);
    expect(sessions.data[0]).toMatchObject({
      status: 'completed',
      questionsAnswered: 4,
      totalQuestions: 4,
      metadata: { company: 'Acme' },
      consent: { granted: true, type: 'all' },
      device: { type: 'mobile' },
    });
  });

  it('gives every other state of a link its own page', async () => {
    const { page, problems } = await newPhone();

    await page.goto(`${t.baseUrl}/interview/not-a-real-token`);
    await poll(() => heading(page).textContent()).toBe('This link is not valid');
    await expectAccessible(page);

    const simple = { questions: [{ id: 'q1', text: 'What stood out in your first week?', type: 'open' }] };
    const campaign = await campaignWith({}, {}, simple);
    const cancelled = await invite(campaign.id);
    await api.post(`/v1/invites/${cancelled.id}/cancel`);
    await page.goto(linkOf(cancelled.token));
    await poll(() => heading(page).textContent()).toBe('This invite has been cancelled');

    const paused = await campaignWith({}, {}, simple);
    const unavailable = await invite(paused.id);
    await api.patch(`/v1/campaigns/${paused.id}`, { status: 'paused' });
    await page.goto(linkOf(unavailable.token));
    await poll(() => heading(page).textContent()).toBe('This interview is not available right now');

    // Paused by the organizer while under way, then resumed.
    const running = await invite(campaign.id);
    await page.goto(linkOf(running.token));
    await page.getByRole('button', { name: 'Start the interview' }).click();
    await poll(() => heading(page).textContent()).toBe('What stood out in your first week?');
    const sessionId = (await api.get(`/v1/campaigns/${campaign.id}/sessions?status=in_progress`)).body.data[0].id;
    await api.post(`/v1/sessions/${sessionId}/pause`, { reason: 'Back on Monday' });
    await page.getByRole('textbox').fill('Great');
    await page.getByRole('button', { name: 'Next' }).click();
    await poll(() => heading(page).textContent()).toBe('The interview is paused');
    expect(await page.locator('main').textContent()).toContain('Reason: Back on Monday');
    await screenshot(page, '08-paused');
    await expectAccessible(page);
    await api.post(`/v1/sessions/${sessionId}/resume`);
    await page.getByRole('button', { name: 'Check again' }).click();
    await poll(() => heading(page).textContent()).toBe('What stood out in your first week?');

    // Declining consent ends nothing for good: the participant may change their mind.
    const consenting = await campaignWith({ requireConsent: true }, {}, simple);
    const hesitant = await invite(consenting.id);
    await page.goto(linkOf(hesitant.token));
    await page.getByRole('button', { name: 'Start the interview' }).click();
    await page.getByRole('button', { name: 'I decline' }).click();
    await poll(() => heading(page).textContent()).toBe('You declined');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'I changed my mind' }).click();
    await poll(() => heading(page).textContent()).toBe('What stood out in your first week?');

    // Ended at the time limit, politely.
    const limited = await campaignWith({ maxDuration: 60 }, {}, simple);
    const slow = await invite(limited.id);
    await page.goto(linkOf(slow.token));
    await page.getByRole('button', { name: 'Start the interview' }).click();
    await poll(() => page.getByRole('progressbar').count()).toBe(1);
    t.clock.advance(2 * 60_000);
    await page.goto(linkOf(slow.token));
    await page.getByRole('button', { name: 'Continue' }).click();
    await poll(() => heading(page).textContent()).toBe('Time is up');
    await expectAccessible(page);

    // Expired (the clock moves past the invite's time).
    const expiring = await invite(campaign.id, { expiresIn: '30m' });
    t.clock.advance(31 * 60_000);
    await page.goto(linkOf(expiring.token));
    await poll(() => heading(page).textContent()).toBe('This invite has expired');
    await screenshot(page, '09-expired');
    await expectAccessible(page);
    expect(problems).toEqual([]);
  });

  it('speaks the campaign language, checks the invited address, survives a failing network and keeps a heartbeat', async () => {
    const campaign = await campaignWith(
      { language: 'fr', verifyEmail: true },
      { name: 'Retour des nouveaux arrivants', description: 'Parlez-nous de vos premières semaines.' },
      {
        questions: [
          { id: 'q1', text: 'Quel a été le meilleur moment de votre première semaine ?', type: 'open', required: false },
          { id: 'q2', text: 'Recommanderiez-vous notre entreprise ?', type: 'yes_no' },
        ],
      },
    );
    const inv = await invite(campaign.id, { email: 'luc@example.com', name: 'Luc' });
    const { context, page, problems } = await newPhone('fr-FR');
    await context.clock.install();

    // No answer from the server: a message and a retry, never a blank screen.
    await context.route('**/p/invites/**', (route) => route.abort('connectionrefused'));
    await page.goto(linkOf(inv.token));
    await poll(() => page.getByRole('alert').textContent()).toContain('Impossible de joindre le serveur');
    await context.unroute('**/p/invites/**');
    await page.getByRole('button', { name: 'Réessayer' }).click();

    await poll(() => heading(page).textContent()).toBe('Retour des nouveaux arrivants');
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.locator('main').textContent()).toContain('Bonjour Luc');
    expect(await page.locator('main').textContent()).toContain('2 questions');
    const email = page.getByRole('textbox', { name: 'Votre adresse e-mail' });
    await expectAccessible(page);
    await screenshot(page, '10-welcome-fr-verify');

    await page.getByRole('button', { name: 'Commencer l’entretien' }).click();
    await poll(() => page.getByRole('alert').textContent()).toBe('Veuillez saisir votre adresse e-mail.');
    await email.fill('quelquun@example.com');
    await page.getByRole('button', { name: 'Commencer l’entretien' }).click();
    await poll(() => page.getByRole('alert').textContent()).toContain('Il vous reste 4 essais.');
    await email.fill('LUC@example.com');
    await page.getByRole('button', { name: 'Commencer l’entretien' }).click();

    await poll(() => heading(page).textContent()).toBe('Quel a été le meilleur moment de votre première semaine ?');
    expect(await page.getByRole('progressbar').getAttribute('aria-valuetext')).toBe('Question 1 sur 2');
    await expectAccessible(page);

    // A heartbeat every ~15 s while the session is open.
    const beat = page.waitForRequest((r) => r.url().endsWith('/p/session/heartbeat') && r.method() === 'POST');
    await page.clock.fastForward(16_000);
    expect((await (await beat).response())?.status()).toBe(200);

    // The optional question is skipped.
    await page.getByRole('button', { name: 'Passer cette question' }).click();
    await poll(() => heading(page).textContent()).toBe('Recommanderiez-vous notre entreprise ?');

    // A server failure while answering: the choice stays, and retrying sends it.
    await context.route('**/p/session/answer', (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' }));
    await page.getByRole('radio', { name: 'Oui' }).check();
    await page.getByRole('button', { name: 'Suivant' }).click();
    await poll(() => page.getByRole('alert').textContent()).toContain('Un problème est survenu de notre côté');
    expect(await page.getByRole('radio', { name: 'Oui' }).isChecked()).toBe(true);
    await context.unroute('**/p/session/answer');
    await page.getByRole('button', { name: 'Réessayer' }).click();

    await poll(() => heading(page).textContent()).toBe('Prêt à envoyer');
    expect(await page.locator('main').textContent()).toContain('Questions répondues : 1 sur 2.');
    await page.getByRole('button', { name: 'Envoyer mes réponses' }).click();
    await poll(() => heading(page).textContent()).toBe('Merci !');
    await expectAccessible(page);
    expect(problems).toEqual([]);
  });
});
