import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WritError } from '../errors/index.ts';
import type { Logger } from 'pino';
import type { WritConfig } from '../config/index.ts';
import { JobQueue } from '../jobs/index.ts';
import { Ledger, loadOrCreateSigningKey } from '../ledger/index.ts';
import { Fingerprinter, Redactor, loadOrCreateFingerprintKey } from '../secrets/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { createLogger } from './logger.ts';
import { identityResponseFor, type IdentityResponse } from '../identity/index.ts';
import { createKernel, type Kernel } from '../kernel/index.ts';
import { CampaignStore, MailConnector } from '../mail/containment/index.ts';
import { ReportIntake } from '../intake/index.ts';
import { MailboxNotifier, NotifyConnector, SmtpNotifier, smtpOptionsFromUrl } from '../mail/notify/index.ts';
import { DEFAULT_PLAYBOOK_DIR, PlaybookRunner, loadPlaybookDir, notificationFacts, type Playbook } from '../playbooks/index.ts';
import type { Ledger as LedgerType } from '../ledger/index.ts';
import { MaildirSystem, type MailSystem } from '../mail/systems/index.ts';

/** Everything one Writ process holds, wired once (the composition root). */
export interface App {
  config: WritConfig;
  store: Store;
  ledger: Ledger;
  jobs: JobQueue;
  fingerprinter: Fingerprinter;
  redactor: Redactor;
  logger: Logger;
  kernel: Kernel;
  mail: MailSystem;
  campaigns: CampaignStore;
  intake: ReportIntake;
  playbook: PlaybookRunner;
  identity: IdentityResponse;
  close(): Promise<void>;
}

export async function openApp(config: WritConfig, env: NodeJS.ProcessEnv = process.env): Promise<App> {
  // Check what exists before writing anything: a bad key or a foreign database file
  // must fail with nothing created. Keys are made on first start, in the data directory
  // unless configured; a configured key must already exist.
  const signingKeyPath = config.ledger.keyFile;
  const fingerprintKeyPath = join(config.dataDir, 'fingerprint.key');
  const keyIsDefault = signingKeyPath === join(config.dataDir, 'ledger-key.pem');
  if (existsSync(signingKeyPath)) loadOrCreateSigningKey(signingKeyPath, { create: false });
  else if (!keyIsDefault) throw new WritError('WRIT_KEY_UNREADABLE', `WRIT_LEDGER_KEY_FILE ${signingKeyPath} does not exist`);
  if (existsSync(fingerprintKeyPath)) loadOrCreateFingerprintKey(fingerprintKeyPath, { create: false });
  const store = await openStore({ url: config.databaseUrl });
  let signingKey: ReturnType<typeof loadOrCreateSigningKey>;
  let fingerprinter: Fingerprinter;
  let grantKey: Buffer;
  try {
    signingKey = loadOrCreateSigningKey(signingKeyPath, { create: true });
    fingerprinter = new Fingerprinter(loadOrCreateFingerprintKey(fingerprintKeyPath, { create: true }));
    // Grants are HMAC-signed with a key of their own, never the ledger's.
    grantKey = loadOrCreateFingerprintKey(join(config.dataDir, 'grant.key'), { create: true });
  } catch (error) {
    await store.close();
    throw error;
  }
  const redactor = new Redactor(fingerprinter);
  const logger = createLogger(config.logLevel, redactor);
  const ledger = new Ledger(store, {
    origin: config.ledger.origin,
    signer: { name: config.ledger.origin, ...signingKey },
    redactor,
    checkpointIntervalMs: config.ledger.checkpointIntervalMs,
  });
  const jobs = new JobQueue(store, {
    leaseMs: config.jobs.leaseMs,
    maxAttempts: config.jobs.maxAttempts,
    backoffBaseMs: config.jobs.backoffBaseMs,
  });
  const kernel = createKernel(store, ledger, jobs, {
    grantKey,
    grantTtlMs: config.kernel.grantTtlMs,
    approvalTtlMs: config.kernel.approvalTtlMs,
    incidentMaxMs: config.kernel.incidentMaxMs,
    // The configured tenants are known: listed ones are regulated, the default tenant otherwise
    // is not. Any other tenant's flag is unknown, which policies treat strictly.
    tenants: {
      [config.tenants.default]: { regulated: config.tenants.regulated.includes(config.tenants.default) },
      ...Object.fromEntries(config.tenants.regulated.map((t) => [t, { regulated: true }])),
    },
  });
  const mail = new MaildirSystem({ root: config.mail.maildirRoot });
  const campaigns = new CampaignStore(store);
  kernel.connectors.register(new MailConnector(mail, kernel.journal, campaigns));
  const intake = new ReportIntake(store, ledger, jobs, { organisationDomains: config.mail.organisationDomains });
  const notifier = config.mail.smtpUrl ? new SmtpNotifier(smtpOptionsFromUrl(config.mail.smtpUrl, { from: config.mail.notifyFrom })) : new MailboxNotifier(mail, config.mail.notifyFrom);
  kernel.connectors.register(new NotifyConnector(notifier, kernel.journal, (action) => notificationFacts(store.db, action.caseId, action.target.type === 'message' ? action.target.id : null)));
  const [phishing] = loadPlaybookDir(DEFAULT_PLAYBOOK_DIR).filter((p) => p.definition.id === 'phishing-response');
  if (!phishing) throw new WritError('WRIT_CONFIG_INVALID', 'the shipped phishing playbook is missing');
  await recordPlaybook(store, ledger, phishing);
  const playbook = new PlaybookRunner(store, ledger, jobs, kernel, mail, campaigns, phishing);
  // Identity connectors (PostgreSQL roles, Redis ACL users, signed webhooks) are configured
  // by their own WRIT_PG_ADMIN_URL, WRIT_REDIS_ADMIN_URL and WRIT_IDENTITY_* variables.
  const identity = identityResponseFor({ store, ledger, jobs, kernel, fingerprinter, config }, env);
  let closed = false;
  return {
    config,
    store,
    ledger,
    jobs,
    fingerprinter,
    redactor,
    logger,
    kernel,
    mail,
    campaigns,
    intake,
    playbook,
    identity,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await ledger.close();
      } finally {
        await identity.close();
        kernel.close();
        await notifier.close();
        await mail.close();
        await store.close();
      }
    },
  };
}

/** A playbook version in use is ledgered once, like a policy deployment. */
async function recordPlaybook(store: Store, ledger: LedgerType, playbook: Playbook): Promise<void> {
  const key = `playbook:${playbook.definition.id}`;
  const known = await store.db.selectFrom('writ_meta').select('value').where('key', '=', key).executeTakeFirst();
  if (known?.value === playbook.digest) return;
  await store.transaction(async (trx) => {
    await trx.insertInto('writ_meta').values({ key, value: playbook.digest }).onConflict((oc) => oc.column('key').doUpdateSet({ value: playbook.digest })).execute();
    await ledger.append(trx, [
      { kind: 'playbook.deployed', actor: 'system:bootstrap', payload: { playbook: playbook.definition.id, version: playbook.definition.version, digest: playbook.digest, previous: known?.value ?? null, definition: playbook.definition } },
    ]);
  });
}
