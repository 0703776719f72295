// /admin/:section — the admin's governance area, tabs `Audit` and `Users`. The admin role reads
// no clinical data (PRODUCT.md), so its Audit lives here rather than in a patient workspace.
import type { ReactNode } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { NotFound } from '../../ui/NotFound';
import { TabPanel, Tabs } from '../../ui/Tabs';
import { AuditView } from './AuditView';
import { UsersView } from './UsersView';

type Section = 'audit' | 'users';
const ITEMS = [
  { key: 'audit', label: 'Audit' },
  { key: 'users', label: 'Users' },
] as const;

export function AdminPage(): ReactNode {
  const { section } = useParams();
  const navigate = useNavigate();
  if (section !== 'audit' && section !== 'users') return <NotFound />;
  return (
    <div className="workspace">
      <Tabs<Section> label="Administration" idPrefix="admin" items={ITEMS} selected={section} onSelect={(k) => void navigate(`/admin/${k}`)} />
      <TabPanel idPrefix="admin" tabKey={section}>
        {section === 'audit' ? <AuditView /> : <UsersView />}
      </TabPanel>
    </div>
  );
}
