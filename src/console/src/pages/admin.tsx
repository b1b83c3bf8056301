import { useState } from 'react';
import { api } from '../api.ts';
import { Badge, ErrorNote, Loading, Section } from '../components/common.tsx';
import { when } from '../format.ts';
import { useApi } from '../live.ts';

interface Token {
  id: string;
  name: string;
  principalType: string;
  roles: string[];
  owner: string;
  expiresAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

const TOKEN_ROLES = ['viewer', 'analyst', 'incident_commander', 'policy_admin'];

export function AdminPage() {
  const tokens = useApi<{ items: Token[] }>('/api/v1/tokens', (e) => e.kind.startsWith('token.'));
  const users = useApi<{ items: Array<{ subject: string; name: string | null; roles: string[]; lastLoginAt: number | null }> }>('/api/v1/users', (e) => e.kind === 'auth.login');
  const [form, setForm] = useState({ name: '', roles: ['analyst'], principalType: 'workflow', ttlDays: 30 });
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const create = async () => {
    setError(null);
    try {
      const made = await api<{ secret: string }>('/api/v1/tokens', { method: 'POST', body: form });
      setSecret(made.secret);
      tokens.reload();
    } catch (e) {
      setError(e);
    }
  };
  const revoke = async (id: string) => {
    try {
      await api(`/api/v1/tokens/${id}`, { method: 'DELETE' });
      tokens.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <Section title="API tokens">
        <form
          className="confirm"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <label>
            Name
            <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} pattern="[a-z0-9][a-z0-9._-]{0,62}" required />
          </label>
          <fieldset>
            <legend>Roles</legend>
            {TOKEN_ROLES.map((r) => (
              <label key={r} className="inline">
                <input
                  type="checkbox"
                  checked={form.roles.includes(r)}
                  onChange={(e) => setForm({ ...form, roles: e.target.checked ? [...form.roles, r] : form.roles.filter((x) => x !== r) })}
                />
                {r}
              </label>
            ))}
          </fieldset>
          <label>
            Acts as
            <select value={form.principalType} onChange={(e) => setForm({ ...form, principalType: e.target.value })}>
              <option value="workflow">a workflow (rule)</option>
              <option value="agent">an AI agent</option>
            </select>
          </label>
          <label>
            Days until it expires
            <input type="number" min={1} max={3650} value={form.ttlDays} onChange={(e) => setForm({ ...form, ttlDays: Number(e.target.value) })} />
          </label>
          <button type="submit" className="primary">
            Create token
          </button>
        </form>
        {secret ? (
          <div className="secret" role="status">
            <p>Copy this token now; it will not be shown again.</p>
            <code>{secret}</code>
          </div>
        ) : null}
        <ErrorNote error={error} />
        {!tokens.data ? (
          <Loading />
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Name</th>
                <th>Roles</th>
                <th>Owner</th>
                <th>Expires</th>
                <th>Last used</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.data.items.map((t) => (
                <tr key={t.id}>
                  <td>
                    <code>
                      {t.principalType}:{t.name}
                    </code>
                  </td>
                  <td>{t.roles.join(', ')}</td>
                  <td>{t.owner}</td>
                  <td>{when(t.expiresAt)}</td>
                  <td>{when(t.lastUsedAt)}</td>
                  <td>
                    {t.revokedAt ? (
                      <Badge kind="revoked">revoked</Badge>
                    ) : (
                      <button type="button" onClick={() => void revoke(t.id)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Section title="People">
        <ul className="plain">
          {(users.data?.items ?? []).map((u) => (
            <li key={u.subject}>
              <code>user:{u.subject}</code> {u.name} — {u.roles.join(', ') || 'no roles'} <span className="muted">last sign-in {when(u.lastLoginAt)}</span>
            </li>
          ))}
        </ul>
      </Section>
    </>
  );
}
