// `Open DICOM files`: pick files or a folder (or drop them on the view), see what was found and
// what was refused (file + reason), open a series without uploading, and `Upload to PACS`
// explicitly (STOW-RS) with progress.
import { useRef, useState, type ReactNode } from 'react';
import type { LocalImportResult, LocalSeries } from '../../compute/imaging/localImport';
import type { StowProgress, StowResult } from '../../compute/imaging/stow';

export interface ImportState {
  phase: 'idle' | 'parsing' | 'done';
  filesDone: number;
  filesTotal: number;
  result: LocalImportResult | null;
  error: string | null;
}

export function ImportPanel(props: {
  state: ImportState;
  onFiles: (files: File[]) => void;
  onCancel: () => void;
  onOpenSeries: (s: LocalSeries) => void;
  /** Why a study's files are not the open patient's (null: they are): such series open only on explicit request. */
  identityMismatch: (studyInstanceUid: string) => string | null;
  onUpload: () => void;
  upload: { progress: StowProgress | null; result: StowResult | null; error: string | null; running: boolean };
  disabled: boolean;
}): ReactNode {
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const [showRejected, setShowRejected] = useState(true);
  const { state, upload } = props;
  const pick = (input: HTMLInputElement | null) => input?.click();
  const onChange = (e: React.ChangeEvent<HTMLInputElement>) => {
    const files = [...(e.target.files ?? [])];
    e.target.value = '';
    if (files.length > 0) props.onFiles(files);
  };
  const pct = state.filesTotal > 0 ? Math.round((100 * state.filesDone) / state.filesTotal) : 0;
  const series = state.result?.studies.flatMap((s) => s.series) ?? [];
  const rejected = state.result?.rejected ?? [];
  const uploadPct = upload.progress && upload.progress.totalBytes > 0 ? Math.round((100 * upload.progress.sentBytes) / upload.progress.totalBytes) : 0;
  return (
    <section className="imaging-import" aria-label="Files from disk">
      <h2>Files from disk</h2>
      <div className="import-buttons">
        <button type="button" className="btn btn-primary" onClick={() => pick(filesInput.current)} disabled={props.disabled}>
          Open DICOM files
        </button>
        <button type="button" className="btn" onClick={() => pick(folderInput.current)} disabled={props.disabled}>
          Open DICOM folder
        </button>
      </div>
      <input ref={filesInput} type="file" multiple hidden aria-label="DICOM files" onChange={onChange} />
      <input
        ref={folderInput}
        type="file"
        multiple
        hidden
        aria-label="DICOM folder"
        onChange={onChange}
        {...({ webkitdirectory: '', directory: '' } as Record<string, string>)}
      />
      <p className="muted small">Or drop files or a folder on the viewer. Files stay on this computer unless you upload them.</p>
      {state.phase === 'parsing' && (
        <div className="progress-row">
          <label htmlFor="import-progress">Reading files</label>
          <progress id="import-progress" max={100} value={pct} aria-valuetext={`${pct}% (${state.filesDone} of ${state.filesTotal} files)`}>
            {pct}%
          </progress>
          <span className="mono">{pct}%</span>
          <button type="button" className="btn btn-small" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      )}
      {state.error && (
        <div className="notice notice-error" role="alert">
          {state.error}
        </div>
      )}
      {state.phase === 'done' && state.result && (
        <>
          <p role="status">
            {series.length} series found{rejected.length > 0 ? `, ${rejected.length} file${rejected.length === 1 ? '' : 's'} refused` : ''}.
          </p>
          {series.length > 0 && (
            <ul className="series-list" aria-label="Series from disk">
              {series.map((s) => {
                const mismatch = props.identityMismatch(s.studyInstanceUid);
                return (
                <li key={s.key}>
                  {mismatch && (
                    <div className="notice notice-error small" role="alert">
                      Not this patient&apos;s images: {mismatch}.
                    </div>
                  )}
                  <button type="button" className={mismatch ? 'btn btn-danger series-item' : 'btn series-item'} disabled={props.disabled || !!s.unsupported} onClick={() => props.onOpenSeries(s)}>
                    {mismatch ? "Open another patient's series" : 'Open'} {s.modality} {s.description || 'series'} ({s.imageIds.length || '0'} images)
                  </button>
                  {s.unsupported && <span className="notice notice-warn small">{s.unsupported}</span>}
                  {s.warnings.length > 0 && (
                    <ul className="warnings">
                      {s.warnings.map((w) => (
                        <li key={w} className="muted small">
                          {w}
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
                );
              })}
            </ul>
          )}
          {rejected.length > 0 && (
            <div className="rejected">
              <button type="button" className="btn btn-small btn-ghost" aria-expanded={showRejected} onClick={() => setShowRejected((v) => !v)}>
                {showRejected ? 'Hide' : 'Show'} refused files
              </button>
              {showRejected && (
                <ul aria-label="Refused files">
                  {rejected.map((r, i) => (
                    <li key={`${r.file}-${i}`}>
                      <span className="mono">{r.file}</span>: {r.reason}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {state.result.uploadable.length > 0 && (
            <div className="upload">
              <button type="button" className="btn" onClick={props.onUpload} disabled={upload.running}>
                Upload to PACS
              </button>
              {upload.running && (
                <>
                  <label htmlFor="upload-progress" className="visually-hidden">
                    Uploading
                  </label>
                  <progress id="upload-progress" max={100} value={uploadPct} aria-valuetext={`${uploadPct}%`}>
                    {uploadPct}%
                  </progress>
                  <span className="mono">{uploadPct}%</span>
                </>
              )}
              {upload.result && (
                <p role="status">
                  Stored {upload.result.storedSopInstanceUids.length} of {state.result.uploadable.length} files in the PACS
                  {upload.result.failures.length > 0 ? `; ${upload.result.failures.length} refused` : ''}.
                </p>
              )}
              {upload.result && upload.result.failures.length > 0 && (
                <ul aria-label="Upload failures">
                  {upload.result.failures.map((f, i) => (
                    <li key={`${f.ref}-${i}`}>
                      <span className="mono">{f.ref}</span>: {f.reason}
                    </li>
                  ))}
                </ul>
              )}
              {upload.error && (
                <div className="notice notice-error" role="alert">
                  {upload.error}
                </div>
              )}
            </div>
          )}
        </>
      )}
    </section>
  );
}
