// The signed-in frame: top bar, connectivity banner, and the routed page in <main>.
import type { ReactNode } from 'react';
import { Outlet, useLocation } from 'react-router-dom';
import { useSession } from '../sources/queries';
import { ConnectivityBanner } from './ConnectivityBanner';
import { ErrorBoundary } from '../ui/ErrorBoundary';
import { TopBar } from './TopBar';

export function AppShell(): ReactNode {
  const { data: user } = useSession();
  const location = useLocation();
  if (!user) return null; // RequireAuth above guarantees a user; this keeps the types honest
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <TopBar user={user} />
      <ConnectivityBanner />
      <main className="main" id="main">
        <ErrorBoundary resetKey={location.pathname} where="This page">
          <Outlet />
        </ErrorBoundary>
      </main>
    </div>
  );
}
