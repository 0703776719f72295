// Composition root: providers and routes. Heavy views (imaging, anatomy, twin, scenarios) are
// React.lazy chunks loaded by the workspace, so sign-in and the patient list stay small.
import { useState, type ReactNode } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { useSession } from '../sources/queries';
import { Loading } from '../ui/feedback';
import { AdminPage } from '../views/audit/AdminPage';
import { PatientListPage } from '../views/patients/PatientListPage';
import { WorkspacePage, WorkspaceRedirect } from '../views/workspace/WorkspacePage';
import { AppShell } from './AppShell';
import { ErrorBoundary } from '../ui/ErrorBoundary';
import { NotFound } from '../ui/NotFound';
import { createQueryClient } from './query-client';
import { RequireAuth } from './RequireAuth';
import { landingPathForRole } from '../views/routing';
import { SignInPage } from './SignInPage';

function Landing(): ReactNode {
  const { data: user } = useSession();
  if (!user) return <Loading />;
  return <Navigate to={landingPathForRole(user.role)} replace />;
}

export function AppRoutes(): ReactNode {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignInPage />} />
      <Route
        element={
          <RequireAuth>
            <AppShell />
          </RequireAuth>
        }
      >
        <Route index element={<Landing />} />
        <Route path="patients" element={<PatientListPage />} />
        <Route path="patients/:patientId" element={<WorkspaceRedirect />} />
        <Route path="patients/:patientId/:tab" element={<WorkspacePage />} />
        <Route path="admin" element={<Navigate to="/admin/audit" replace />} />
        <Route path="admin/:section" element={<AdminPage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

export function App(): ReactNode {
  const [queryClient] = useState(createQueryClient);
  return (
    <ErrorBoundary where="Twinscope">
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </QueryClientProvider>
    </ErrorBoundary>
  );
}
