// A long job's progress bar (role progressbar, with its percentage) and its Cancel button.
import type { ReactNode } from 'react';
import type { JobRunner } from './useJob';

export function JobProgress(props: { runner: JobRunner }): ReactNode {
  const { job, error, clearError } = props.runner;
  return (
    <>
      {job && (
        <div className="progress-row anatomy-job">
          <span className="small">{job.title}</span>
          <div
            role="progressbar"
            aria-label={job.title}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(job.fraction * 100)}
            aria-valuetext={`${Math.round(job.fraction * 100)}%`}
            className="anatomy-progress"
          >
            <div className="anatomy-progress-fill" style={{ width: `${Math.round(job.fraction * 100)}%` }} />
          </div>
          <span className="small mono">{Math.round(job.fraction * 100)}%</span>
          <button type="button" className="btn btn-small" onClick={job.cancel}>
            Cancel
          </button>
        </div>
      )}
      {error && (
        <div className="notice notice-error" role="alert">
          <span>{error}</span>
          <button type="button" className="btn btn-small btn-ghost" onClick={clearError}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}
