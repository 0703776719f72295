// Frames the PACS failed to deliver (or that could not be decoded), named where the user looks:
// each was asked for again in explicit VR little endian (src/compute/imaging/frameRetry.ts). A
// recovered frame is a notice (status); a frame that failed both ways is an alert naming the
// image and both reasons. Mounted keyed by the open series, so it starts empty for each series.
import { useEffect, useState, type ReactNode } from 'react';
import { onFrameRetry, type FrameRetryReport } from '../../compute/imaging/frameRetry';

const SHOWN = 3;

function list(reports: FrameRetryReport[], failed: boolean): string {
  const named = reports.slice(0, SHOWN).map((r) => (failed ? `${r.image} (${r.firstError}; then ${r.retryError ?? 'failed'})` : `${r.image} (${r.firstError})`));
  return `${named.join('; ')}${reports.length > SHOWN ? `; and ${reports.length - SHOWN} more` : ''}`;
}

export function FrameRetryNotice(): ReactNode {
  const [reports, setReports] = useState<FrameRetryReport[]>([]);
  useEffect(() => onFrameRetry((r) => setReports((prev) => (prev.length >= 500 ? prev : [...prev, r]))), []);
  const recovered = reports.filter((r) => r.outcome === 'recovered');
  const failed = reports.filter((r) => r.outcome === 'failed');
  return (
    <>
      {failed.length > 0 && (
        <div className="notice notice-error" role="alert" aria-label="Failed images">
          {`${failed.length} image${failed.length === 1 ? '' : 's'} could not be loaded, also not when asked again as explicit VR little endian: ${list(failed, true)}.`}
        </div>
      )}
      {recovered.length > 0 && (
        <div className="notice notice-info" role="status" aria-label="Recovered images">
          {`${recovered.length} image${recovered.length === 1 ? '' : 's'} failed and ${recovered.length === 1 ? 'was' : 'were'} loaded again as explicit VR little endian: ${list(recovered, false)}.`}
        </div>
      )}
    </>
  );
}
