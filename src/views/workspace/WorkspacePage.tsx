// /patients/:patientId/:tab — banner, WAI-ARIA tabs and the lazily loaded view of the tab.
// /patients/:patientId picks the role's default tab.
import { lazy, Suspense, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react';
import { Navigate, useNavigate, useParams } from 'react-router-dom';
import { ErrorBoundary } from '../../ui/ErrorBoundary';
import { NotFound } from '../../ui/NotFound';
import { defaultTabForRole, isWorkspaceTab, TAB_LABEL, WORKSPACE_TABS, workspacePath, type WorkspaceTab } from '../routing';
import { usePatientEvents } from '../../sources/events';
import { useSession } from '../../sources/queries';
import { Loading } from '../../ui/feedback';
import { TabPanel, Tabs } from '../../ui/Tabs';
import { PatientBanner } from './PatientBanner';
import type { WorkspaceViewProps } from './view-props';

// One chunk per view: Cornerstone, three.js and recharts load only when their tab opens.
const VIEWS: Record<WorkspaceTab, LazyExoticComponent<ComponentType<WorkspaceViewProps>>> = {
  imaging: lazy(() => import('../imaging')),
  anatomy: lazy(() => import('../anatomy')),
  twin: lazy(() => import('../twin')),
  scenarios: lazy(() => import('../scenarios')),
  record: lazy(() => import('../record')),
};

const TAB_ITEMS = WORKSPACE_TABS.map((key) => ({ key, label: TAB_LABEL[key] }));

export function WorkspaceRedirect(): ReactNode {
  const { patientId } = useParams();
  const { data: user } = useSession();
  const tab = user ? defaultTabForRole(user.role) : null;
  if (!patientId || !tab) return <NotFound />;
  return <Navigate to={workspacePath(patientId, tab)} replace />;
}

export function WorkspacePage(): ReactNode {
  const { patientId, tab } = useParams();
  const navigate = useNavigate();
  usePatientEvents(patientId);
  if (!patientId || !isWorkspaceTab(tab)) return <NotFound />;
  const View = VIEWS[tab];
  return (
    <div className="workspace">
      <PatientBanner patientId={patientId} />
      <Tabs
        label="Patient workspace"
        idPrefix="ws"
        items={TAB_ITEMS}
        selected={tab}
        onSelect={(key) => void navigate(workspacePath(patientId, key))}
      />
      <TabPanel idPrefix="ws" tabKey={tab}>
        <ErrorBoundary resetKey={tab} where={`The ${TAB_LABEL[tab]} view`}>
          <Suspense fallback={<Loading label={`Loading ${TAB_LABEL[tab]}…`} />}>
            <View patientId={patientId} />
          </Suspense>
        </ErrorBoundary>
      </TabPanel>
    </div>
  );
}
