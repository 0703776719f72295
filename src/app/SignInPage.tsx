// /sign-in: the form plus where to go next (the preserved URL, else the role's landing page).
import type { ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { isDemoServer, type SessionUser } from '../sources/api';
import { authApi, queryKeys, useHealth, useSession } from '../sources/queries';
import { Loading } from '../ui/feedback';
import { landingPathForRole, parseRoute, roleMayOpen, safeNextPath } from '../views/routing';
import { SignInForm } from './SignInForm';

const DEMO_USERNAMES = ['surgeon', 'cardiologist', 'clinician', 'admin'] as const;

function destination(user: SessionUser, next: string | null): string {
  const path = safeNextPath(next);
  if (path && roleMayOpen(user.role, parseRoute(new URL(path, 'http://x').pathname))) return path;
  return landingPathForRole(user.role);
}

export function SignInPage(): ReactNode {
  const session = useSession();
  const health = useHealth();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = params.get('next');

  if (session.isPending) return <Loading label="Checking your session…" />;
  if (session.data) return <Navigate to={destination(session.data, next)} replace />;

  return (
    <main className="signin-page" id="main">
      <SignInForm
        signIn={(u, p) => authApi.login(u, p)}
        onSignedIn={(user) => {
          // Data cached for a previous user must not show for this one.
          queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'healthz' });
          queryClient.setQueryData(queryKeys.me, user);
          void navigate(destination(user, next), { replace: true });
        }}
        demoUsernames={isDemoServer(health.data) ? DEMO_USERNAMES : undefined}
      />
    </main>
  );
}
