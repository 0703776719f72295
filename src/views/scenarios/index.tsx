// Placeholder entry of the Scenarios view (lazy chunk). Replaced by the view's own implementation;
// until then it says plainly that the view is not available, and shows no invented data.
import type { ReactNode } from 'react';
import type { WorkspaceViewProps } from '../workspace/view-props';

export default function ScenariosView(_props: WorkspaceViewProps): ReactNode {
  return (
    <div className="notice notice-info placeholder" role="status">
      <strong>Scenarios is not available yet.</strong>
      <span>This build does not include side-by-side treatment scenarios on the calibrated twin.</span>
    </div>
  );
}
