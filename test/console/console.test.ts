import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { jobHandlers } from '../../src/app/job-handlers.ts';
import { Worker } from '../../src/jobs/index.ts';
import { freePort, startTestProvider } from '../api/oidc-provider.ts';
import { withApi } from '../api/support.ts';
import { tempDir } from '../support/engines.ts';
import { buildConsole, launchChromium, screenshot, signIn, watchForProblems } from './console-support.ts';

const MAILBOXES = Array.from({ length: 55 }, (_, i) => `user${i}@example.test`);
const SOC = ['soc'];

test('in Chromium: people sign in through the OpenID provider, two of them approve a dual-control purge, and the campaign is seen to become contained', { timeout: 240_000 }, async (t) => {
  if (!existsSync('/usr/bin/chromium')) assert.fail('Chromium is missing: run bash scripts/install-system-packages.sh');
  const out = tempDir('writ-console-');
  await buildConsole(join(out.path, 'console'));
  const port = await freePort();
  const writ = `http://127.0.0.1:${port}`;
  const provider = await startTestProvider(`${writ}/auth/callback`, {
    ana: { name: 'Ana Analyst', email: 'ana@example.test', groups: SOC },
    ben: { name: 'Ben Approver', email: 'ben@example.test', groups: SOC },
    olivia: { name: 'Olivia Owner', email: 'olivia@example.test', groups: SOC },
  });
  const browser = await launchChromium();
  try {
    await withApi(
      'sqlite',
      async (w) => {
        const worker = new Worker(w.app.jobs, jobHandlers(w.app), { concurrency: 2, pollMs: 50, logger: w.app.logger, redact: (s) => s });
        await w.server.listen({ host: '127.0.0.1', port });
        worker.start();
        const pages: Array<{ name: string; page: import('playwright-core').Page }> = [];
        try {
          // The world: a phishing campaign in 55 mailboxes, found by a playbook that olivia owns.
          await w.app.campaigns.save({
            id: 'camp-payroll',
            tenant: 'default',
            name: 'Payroll update lure',
            criteria: [{ subject: 'Payroll update: action required', from: 'examp1e-support.test' }],
            indicators: { sender: 'helpdesk@examp1e-support.test', url: 'https://examp1e-support.test/login' },
          });
          const bot = await w.automation('phishing-playbook', ['analyst'], { owner: 'user:olivia' });
          const opened = await w.request(bot, {
            method: 'POST',
            url: '/api/v1/cases',
            payload: {
              title: 'Payroll credential phishing, 55 mailboxes',
              type: 'phishing',
              severity: 'high',
              queue: 'tier1',
              facts: {
                indicators: [
                  { kind: 'sender', value: 'helpdesk@examp1e-support.test', source: 'From header of 55 reports' },
                  { kind: 'url', value: 'https://examp1e-support.test/login', source: 'HTML body link' },
                  { kind: 'auth', value: 'dmarc=fail', source: 'Authentication-Results' },
                ],
                advice: { summary: 'Credential-harvesting lure impersonating the IT service desk; purge and block the sender domain.', confidence: 0.93, model: 'builtin-deterministic' },
              },
            },
          });
          assert.equal(opened.statusCode, 201, opened.body);
          const caseId = (opened.json() as { id: string }).id;
          const proposed = await w.request(bot, {
            method: 'POST',
            url: '/api/v1/actions',
            payload: { type: 'purge_campaign', target: { type: 'campaign', id: 'camp-payroll' }, params: { campaignId: 'camp-payroll', mailboxes: MAILBOXES, mode: 'quarantine' }, caseId, context: { confidence: 0.97, uncertainty: 0.02, severity: 'high' } },
          });
          assert.equal((proposed.json() as { decision: string }).decision, 'dual');
          // Other exceptions in the queue, so its order can be seen.
          for (const [title, severity, queue] of [
            ['Leaked CI token in a public repository', 'critical', 'identity'],
            ['Uncertain report: invoice from a known supplier', 'medium', 'tier1'],
            ['Reported newsletter, probably safe', 'low', 'tier1'],
          ] as const) {
            assert.equal((await w.request(bot, { method: 'POST', url: '/api/v1/cases', payload: { title, severity, queue, type: queue === 'identity' ? 'identity' : 'phishing' } })).statusCode, 201);
          }
          const irene = await w.person('irene', ['incident_commander']);
          const incident = await w.request(irene, { method: 'POST', url: '/api/v1/incidents', payload: { justification: 'credential phishing wave against finance', scope: { summary: 'Payroll phishing wave' }, durationMinutes: 90 } });
          assert.equal(incident.statusCode, 201, incident.body);

          // Ana signs in (landing on the case she was sent), sees the decision and its reasons, and approves.
          const anaContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
          const ana = await anaContext.newPage();
          pages.push({ name: 'ana', page: ana });
          const anaProblems = watchForProblems(ana);
          await ana.goto(writ);
          await screenshot(ana, '00-sign-in');
          await signIn(ana, writ, `/cases/${caseId}`, 'ana');
          await ana.getByRole('heading', { name: 'Payroll credential phishing, 55 mailboxes' }).waitFor();
          const card = ana.getByRole('article', { name: 'action purge_campaign' });
          await card.getByText('dual — two people').waitFor();
          await card.getByText('mail-purge-wide-dual', { exact: true }).waitFor();
          assert.equal(await card.locator('.approvals-count').textContent(), '0 of 2');
          await ana.getByRole('region', { name: 'AI advice' }).getByText('advice only — not a decision').waitFor();
          await ana.getByRole('alert', { name: 'major incident' }).getByText('Payroll phishing wave').waitFor();
          assert.match(String(await ana.locator('.countdown').textContent()), /authority ends in 1h 29m|authority ends in 1h 30m/);
          await screenshot(ana, '01-case-awaiting-dual-approval');
          await card.getByRole('button', { name: 'Approve' }).click();
          await card.getByText('You approve exactly this action').waitFor();
          await screenshot(ana, '02-approve-exact-hash');
          await card.getByRole('button', { name: 'Confirm approval' }).click();
          await card.locator('.approvals-count', { hasText: '1 of 2' }).waitFor();
          await card.getByText('You have given your decision.').waitFor();

          // Olivia owns the playbook that proposed it: the console offers her no approval (and the server would refuse).
          const oliviaContext = await browser.newContext();
          const olivia = await oliviaContext.newPage();
          await signIn(olivia, writ, `/cases/${caseId}`, 'olivia');
          await olivia.getByText('someone else must approve it').waitFor();
          assert.equal(await olivia.getByRole('button', { name: 'Approve' }).count(), 0);
          await oliviaContext.close();

          // Ana watches the campaign page while Ben gives the second approval elsewhere.
          await ana.goto(`${writ}/campaigns/camp-payroll`);
          await ana.getByText('Awaiting approval').first().waitFor();
          assert.equal(await ana.locator('table[aria-label="mailboxes"] tbody tr').count(), 55);
          await screenshot(ana, '03-campaign-awaiting-approval');

          const benContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
          const ben = await benContext.newPage();
          pages.push({ name: 'ben', page: ben });
          const benProblems = watchForProblems(ben);
          await signIn(ben, writ, '/approvals', 'ben');
          const waiting = ben.getByRole('article', { name: 'action purge_campaign' });
          await waiting.getByRole('button', { name: 'Approve' }).click();
          await waiting.getByRole('button', { name: 'Confirm approval' }).click();
          await ben.getByText('Nothing is waiting for a person.').waitFor({ timeout: 20_000 });

          // Without a reload, Ana's page follows the ledger: the purge runs and the read-back shows it contained.
          await ana.getByText('Contained — verified by reading every mailbox back').waitFor({ timeout: 30_000 });
          await ana.locator('table[aria-label="mailboxes"] .badge-mailbox-contained').nth(54).waitFor();
          assert.equal(await ana.locator('table[aria-label="mailboxes"] .badge-mailbox-exposed').count(), 0);
          await screenshot(ana, '04-campaign-contained');
          assert.equal(await w.app.mail.countRemaining({ subject: 'Payroll update' }), 0, 'the mail system agrees');

          // The case: executed, closure verifiable, and every ledger entry proven in the browser.
          await ana.goto(`${writ}/cases/${caseId}`);
          await ana.getByRole('article', { name: 'action purge_campaign' }).getByText('executed').first().waitFor();
          await ana.getByRole('status', { name: 'verification state' }).getByText(/^All \d+ entries verified in this browser/).waitFor({ timeout: 60_000 });
          assert.match(String(await ana.getByRole('status', { name: 'verification state' }).textContent()), /Ed25519 signature verifies/);
          await ana.getByRole('button', { name: 'Check closure criteria' }).click();
          await ana.getByRole('button', { name: 'Close on evidence' }).waitFor();
          await screenshot(ana, '05-case-executed-verified');
          await ana.getByRole('button', { name: 'Close on evidence' }).click();
          await ana.getByText(/closed .* by user:ana \(evidence\)/).waitFor();

          await ana.goto(`${writ}/metrics`);
          await ana.getByRole('img', { name: 'open cases over time' }).waitFor();
          await screenshot(ana, '06-metrics');
          await ana.goto(`${writ}/`);
          await ana.getByRole('region', { name: 'Queue' }).getByRole('table').waitFor();
          const titles = await ana.locator('table.grid tbody tr td:nth-child(2)').allTextContents();
          assert.deepEqual(titles, ['Leaked CI token in a public repository', 'Uncertain report: invoice from a known supplier', 'Reported newsletter, probably safe'], 'identity cases are due sooner (2 h SLA) than phishing ones (4 h)');
          await ana.getByLabel('Order').selectOption('severity');
          await ana.locator('table.grid tbody tr').first().getByText('critical').waitFor();
          await screenshot(ana, '07-queue');
          await ben.goto(`${writ}/ledger`);
          await ben.getByRole('button', { name: 'Verify the whole ledger' }).click();
          await ben.getByText(/^Verified: \d+ entries recomputed/).waitFor();
          await screenshot(ben, '08-ledger-verified');

          assert.deepEqual([...anaProblems, ...benProblems], [], 'no script errors and no CSP violations');
          const approvals = await w.store.db.selectFrom('ledger_entries').select('actor').where('kind', '=', 'approval.granted').orderBy('seq').execute();
          assert.deepEqual(approvals.map((a) => a.actor), ['user:ana', 'user:ben']);
          await anaContext.close();
          await benContext.close();
          t.diagnostic(`screenshots in test-artifacts/console`);
        } catch (error) {
          // What the people saw when it failed, for the artefacts.
          for (const { name, page } of pages) await screenshot(page, `zz-failure-${name}`).catch(() => undefined);
          throw error;
        } finally {
          await worker.stop(5000);
        }
      },
      {
        mailboxes: MAILBOXES,
        server: { consoleDir: join(out.path, 'console'), events: { pollMs: 100 } },
        people: {
          oidc: {
            issuer: new URL(provider.issuer),
            clientId: provider.clientId,
            clientSecret: provider.clientSecret,
            redirectUrl: new URL(`${writ}/auth/callback`),
            scopes: 'openid profile email groups',
            groupsClaim: 'groups',
            roleMap: { soc: ['analyst', 'approver'] },
          },
        },
      },
    );
  } finally {
    await browser.close();
    await provider.close();
    out.remove();
  }
});
