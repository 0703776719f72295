// Users and their roles, from /api/admin/users when the server provides it.
import type { ReactNode } from 'react';
import { ApiError } from '../../sources/http';
import { useAdminUsers } from '../../sources/queries';
import { Badge, ErrorNotice, Loading } from '../../ui/feedback';

export function UsersView(): ReactNode {
  const q = useAdminUsers();
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
          {q.data.map((u) => (
            <tr key={u.id}>
              <td>{u.username}</td>
              <td>{u.displayName ?? '—'}</td>
              <td>{u.role}</td>
              <td>
                {u.disabled === true ? <Badge tone="danger">Disabled</Badge> : <Badge tone="ok">Active</Badge>}
                {u.demo === true && (
                  <>
                    {' '}
                    <Badge tone="neutral">Demo account</Badge>
                  </>
                )}
              </td>
              <td className="mono">{u.id}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
