// Placeholder entry of the Anatomy view (lazy chunk). Replaced by the view's own implementation;
// until then it says plainly that the view is not available, and shows no invented data.
import type { ReactNode } from 'react';
import type { WorkspaceViewProps } from '../workspace/view-props';

export default function AnatomyView(_props: WorkspaceViewProps): ReactNode {
  return (
    <div className="notice notice-info placeholder" role="status">
      <strong>Anatomy is not available yet.</strong>
      <span>This build does not include 3D organ surfaces, cut planes and resection volumes.</span>
    </div>
  );
}
