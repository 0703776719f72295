// Users and their roles (/api/admin/users): list, add, change role, disable or enable. The
// server refuses what it must (weak password, taken username, removing your own admin role) and
// its OperationOutcome text is shown as is.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { Role } from '../../../core/contracts';
import { ApiError } from '../../sources/http';
import { useAdminUsers, useSession, useUserMutations } from '../../sources/queries';
import { Badge, ErrorNotice, Loading } from '../../ui/feedback';

const ROLES: readonly Role[] = ['surgeon', 'cardiologist', 'clinician', 'admin'];

function AddUserForm(): ReactNode {
  const { create } = useUserMutations();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('clinician');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { username: username.trim(), password, role, displayName: displayName.trim() || undefined },
      {
        onSuccess: () => {
          setUsername('');
          setDisplayName('');
          setPassword('');
        },
      },
    );
  };

  return (
    <form className="toolbar" onSubmit={submit} aria-label="Add user">
      <div className="field">
        <label htmlFor="new-username">New username</label>
        <input id="new-username" className="input" autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} required />
      </div>
      <div className="field">
        <label htmlFor="new-display-name">Display name</label>
        <input id="new-display-name" className="input" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="new-password">Initial password</label>
        <input
          id="new-password"
          className="input"
          type="password"
          autoComplete="new-password"
          minLength={12}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
        />
      </div>
      <div className="field">
        <label htmlFor="new-role">Role</label>
        <select id="new-role" className="input" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="btn btn-primary" disabled={create.isPending}>
        Add user
      </button>
      {create.isError && <ErrorNotice error={create.error} title="User not added" />}
      {create.isSuccess && (
        <span className="muted" role="status">
          User added.
        </span>
      )}
    </form>
  );
}

export function UsersView(): ReactNode {
  const q = useAdminUsers();
  const { data: me } = useSession();
  const { update } = useUserMutations();
  if (q.isPending) return <Loading label="Loading users…" />;
  if (q.isError) {
    if (q.error instanceof ApiError && q.error.kind === 'not-found') {
      return (
        <div className="notice notice-info" role="status">
          <strong>User management is not available on this server.</strong>
          <span>It does not provide /api/admin/users.</span>
        </div>
      );
    }
    return <ErrorNotice error={q.error} onRetry={() => void q.refetch()} />;
  }
  return (
    <div className="page">
      <AddUserForm />
      {update.isError && <ErrorNotice error={update.error} title="Change not saved" />}
      <div className="table-wrap">
        <table className="data" aria-label="Users">
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Id</th>
            </tr>
          </thead>
          <tbody>
            {q.data.map((u) => {
              const self = u.id === me?.id;
              return (
                <tr key={u.id}>
                  <td>{u.username}</td>
                  <td>{u.displayName ?? '—'}</td>
                  <td>
                    <select
                      className="input"
                      aria-label={`Role of ${u.username}`}
                      value={u.role}
                      disabled={self || update.isPending}
                      title={self ? 'You cannot change your own role' : undefined}
                      onChange={(e) => update.mutate({ id: u.id, role: e.target.value as Role })}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td className="nowrap">
                    {u.disabled === true ? <Badge tone="danger">Disabled</Badge> : <Badge tone="ok">Active</Badge>}{' '}
                    {u.demo === true && <Badge tone="neutral">Demo account</Badge>}{' '}
                    {!self && (
                      <button
                        type="button"
                        className="btn btn-small"
                        disabled={update.isPending}
                        onClick={() => update.mutate({ id: u.id, disabled: u.disabled !== true })}
                      >
                        {u.disabled === true ? `Enable ${u.username}` : `Disable ${u.username}`}
                      </button>
                    )}
                  </td>
                  <td className="mono">{u.id}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
