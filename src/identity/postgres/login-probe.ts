import pg from 'pg';
import { generateSecret } from '../connector-contract.ts';

export type ProbeOutcome = 'accepted' | 'refused_not_permitted' | 'refused_password' | 'error';

/**
 * Logs in as `role` with a random wrong password and reports how the server answered:
 * refused with 28000 (the role may not log in: NOLOGIN), refused with 28P01 (the password
 * was checked and rejected), or accepted (pg_hba does not check passwords on this path).
 */
export async function probeLogin(
  role: string,
  where: { host: string; port: number; database: string },
  connectTimeoutMs: number,
): Promise<{ outcome: ProbeOutcome; detail: string }> {
  const client = new pg.Client({
    ...where,
    user: role,
    password: generateSecret(),
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'writ-login-probe',
  });
  client.on('error', () => {});
  const at = `${where.host}:${where.port}`;
  try {
    await client.connect();
    return { outcome: 'accepted', detail: `a login as ${role} at ${at} was accepted` };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '28000') return { outcome: 'refused_not_permitted', detail: `a login as ${role} at ${at} was refused: SQLSTATE 28000, role not permitted to log in` };
    if (code === '28P01') return { outcome: 'refused_password', detail: `a login as ${role} at ${at} was refused: SQLSTATE 28P01, password authentication failed` };
    return { outcome: 'error', detail: `the login probe at ${at} failed without an answer from the server (${code ?? 'no SQLSTATE'})` };
  } finally {
    await client.end().catch(() => {});
  }
}
