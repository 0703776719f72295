import type { ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { NavLink, useNavigate } from 'react-router-dom';
import type { SessionUser } from '../sources/api';
import { authApi, queryKeys } from '../sources/queries';

export function TopBar(props: { user: SessionUser }): ReactNode {
  const { user } = props;
  const queryClient = useQueryClient();
  const navigate = useNavigate();

  const signOut = async () => {
    try {
      await authApi.logout();
    } catch (err) {
      // Signing out locally still matters when the server is unreachable; the cookie expires on its own.
      console.warn('Sign-out request failed', err instanceof Error ? err.message : err);
    }
    queryClient.clear();
    queryClient.setQueryData(queryKeys.me, null);
    void navigate('/sign-in', { replace: true });
  };

  return (
    <header className="topbar">
      <span className="brand">
        <span className="brand-mark" aria-hidden="true">
          ◆
        </span>
        Twinscope
      </span>
      <nav className="topnav" aria-label="Main">
        {user.role === 'admin' ? (
          <NavLink to="/admin">
            Administration
          </NavLink>
        ) : (
          <NavLink to="/patients" end>
            Patients
          </NavLink>
        )}
      </nav>
      <span className="topbar-spacer" />
      <span className="user" aria-label="Signed in user">
        <span className="user-name">{user.displayName}</span>
        <span className="role-chip" aria-label={`Role: ${user.role}`}>
          {user.role}
        </span>
      </span>
      <button type="button" className="btn btn-small btn-ghost" onClick={() => void signOut()}>
        Sign out
      </button>
    </header>
  );
}
