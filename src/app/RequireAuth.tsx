// Route guard: waits for the session, sends signed-out users to /sign-in?next=<here>, and keeps
// each role to the routes it may open (admin has no clinical routes; clinicians no admin ones).
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useSession } from '../sources/queries';
import { ErrorNotice, Loading } from '../ui/feedback';
import { landingPathForRole, parseRoute, roleMayOpen } from '../views/routing';

export function RequireAuth(props: { children: ReactNode }): ReactNode {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <Loading label="Checking your session…" />;
  if (session.isError) return <ErrorNotice error={session.error} title="Cannot check your session" onRetry={() => void session.refetch()} />;
  const user = session.data;
  if (!user) {
    const next = `${location.pathname}${location.search}${location.hash}`;
    const to = next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
    return <Navigate to={to} replace />;
  }
  if (!roleMayOpen(user.role, parseRoute(location.pathname))) {
    return <Navigate to={landingPathForRole(user.role)} replace />;
  }
  return props.children;
}
