// Placeholder entry of the Twin view (lazy chunk). Replaced by the view's own implementation;
// until then it says plainly that the view is not available, and shows no invented data.
import type { ReactNode } from 'react';
import type { WorkspaceViewProps } from '../workspace/view-props';

export default function TwinView(_props: WorkspaceViewProps): ReactNode {
  return (
    <div className="notice notice-info placeholder" role="status">
      <strong>Twin is not available yet.</strong>
      <span>This build does not include the vitals timeline with the twin's forecast bands and provenance.</span>
    </div>
  );
}
