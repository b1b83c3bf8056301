import { useState } from 'react';
import { api, type ActionView, type Me } from '../api.ts';
import { short, when } from '../format.ts';
import { Link } from '../router.tsx';
import { Badge, ErrorNote } from './common.tsx';

const DECISION_TEXT: Record<string, string> = {
  auto: 'auto — runs at once',
  approve: 'approve — one person',
  dual: 'dual — two people',
  suggest: 'suggest — a person carries it out',
  deny: 'deny',
};

/**
 * One proposed action: what, on what, why the policy decided as it did, who approved, and
 * the decisions this person may take. The server enforces who may approve; the card only
 * hides buttons that would certainly be refused.
 */
export function ActionCard({ action, me, onChange }: { action: ActionView; me: Me; onChange: () => void }) {
  const [mode, setMode] = useState<'idle' | 'approve' | 'reject' | 'rollback'>('idle');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const valid = action.approvals.filter((a) => a.valid && a.verdict === 'approve');
  const mine = action.principal === me.actor || action.principalOwner === me.actor;
  const given = action.approvals.some((a) => a.approver === me.actor);
  const canDecide = action.status === 'awaiting_approval' && me.permissions.includes('action.approve');
  const canRollback = action.status === 'executed' && !action.rollbackOf && me.permissions.includes('action.rollback');

  const submit = async (path: string, body: unknown) => {
    setBusy(true);
    setError(null);
    try {
      await api(path, { method: 'POST', body });
      setMode('idle');
      setReason('');
      onChange();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const targetLink =
    action.target.type === 'campaign' ? `/campaigns/${encodeURIComponent(action.target.id)}` : action.target.type === 'identity' ? `/identities/${encodeURIComponent(action.target.id)}` : null;

  return (
    <article className={`action status-${action.status}`} aria-label={`action ${action.type}`} data-action-id={action.id}>
      <header>
        <strong className="action-type">{action.type}</strong>
        <span className="muted">
          on {action.target.type}{' '}
          {targetLink ? <Link to={targetLink}>{action.target.id}</Link> : <code>{action.target.id}</code>}
        </span>
        <Badge kind={action.status}>{action.status.replace('_', ' ')}</Badge>
      </header>
      <dl className="facts">
        <dt>Decision</dt>
        <dd>
          <Badge kind={`decision-${action.decision}`}>{DECISION_TEXT[action.decision] ?? action.decision}</Badge>
        </dd>
        <dt>Policy reasons</dt>
        <dd>
          <ul className="policies">
            {action.policies.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
          <p className="explanation">{action.explanation}</p>
        </dd>
        <dt>Proposed by</dt>
        <dd>
          <code>{action.principal}</code> <span className="muted">({action.origin === 'ai' ? 'AI advice' : action.origin})</span>
          {action.principalOwner ? (
            <span className="muted">
              {' '}
              owned by <code>{action.principalOwner}</code>
            </span>
          ) : null}{' '}
          <span className="muted">{when(action.createdAt)}</span>
        </dd>
        {action.approvalsRequired > 0 ? (
          <>
            <dt>Approvals</dt>
            <dd>
              <span className="approvals-count">
                {valid.length} of {action.approvalsRequired}
              </span>
              <ul className="approvals">
                {action.approvals.map((a) => (
                  <li key={a.approver}>
                    <code>{a.approver}</code> {a.verdict === 'approve' ? 'approved' : 'rejected'} {when(a.at)}
                    {a.reason ? <span className="muted"> — {a.reason}</span> : null}
                    {!a.valid && a.verdict === 'approve' ? <Badge kind="void">no longer counts</Badge> : null}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
        <dt>Action hash</dt>
        <dd>
          <code title={action.actionHash}>{short(action.actionHash, 16)}</code>
        </dd>
        <dt>Parameters</dt>
        <dd>
          <details>
            <summary>{Object.keys(action.params).join(', ')}</summary>
            <pre className="json">{JSON.stringify(action.params, null, 2)}</pre>
          </details>
        </dd>
        {action.error ? (
          <>
            <dt>Error</dt>
            <dd className="error">{action.error}</dd>
          </>
        ) : null}
      </dl>
      {canDecide && mode === 'idle' ? (
        <div className="buttons">
          {mine ? (
            <p className="muted">You proposed this (or own the automation that did): someone else must approve it.</p>
          ) : given ? (
            <p className="muted">You have given your decision.</p>
          ) : (
            <>
              <button type="button" className="primary" onClick={() => setMode('approve')}>
                Approve
              </button>
              <button type="button" onClick={() => setMode('reject')}>
                Reject
              </button>
            </>
          )}
        </div>
      ) : null}
      {canRollback && mode === 'idle' ? (
        <div className="buttons">
          <button type="button" onClick={() => setMode('rollback')}>
            Roll back
          </button>
        </div>
      ) : null}
      {mode === 'approve' ? (
        <form
          className="confirm"
          onSubmit={(e) => {
            e.preventDefault();
            void submit(`/api/v1/actions/${action.id}/approve`, { actionHash: action.actionHash, ...(reason.trim() ? { reason: reason.trim() } : {}) });
          }}
        >
          <p>
            You approve exactly this action, hash <code className="hash">{action.actionHash}</code>. If its parameters change, your approval no longer counts.
          </p>
          <label>
            Note (optional)
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
          </label>
          <div className="buttons">
            <button type="submit" className="primary" disabled={busy}>
              Confirm approval
            </button>
            <button type="button" onClick={() => setMode('idle')}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {mode === 'reject' || mode === 'rollback' ? (
        <form
          className="confirm"
          onSubmit={(e) => {
            e.preventDefault();
            void submit(`/api/v1/actions/${action.id}/${mode}`, { reason: reason.trim() });
          }}
        >
          <label>
            {mode === 'reject' ? 'Why reject it?' : 'Why undo it?'} (required)
            <textarea value={reason} onChange={(e) => setReason(e.target.value)} required minLength={1} maxLength={2000} />
          </label>
          <div className="buttons">
            <button type="submit" className="primary" disabled={busy || reason.trim() === ''}>
              {mode === 'reject' ? 'Confirm rejection' : 'Propose rollback'}
            </button>
            <button type="button" onClick={() => setMode('idle')}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      <ErrorNote error={error} />
    </article>
  );
}
