// "Import record": choose FHIR files (Bundles, resources, NDJSON — Synthea output as it comes),
// import them one by one with progress and Cancel, then show what was imported, what the twin can
// do for each patient, and what was refused and why. Only for IMPORT_ROLES (server rule too).
import { useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { useQueryClient } from '@tanstack/react-query';
import { importFile, type ImportProgress, type ImportReport } from '../../sources/import';

type FileResult = { name: string; report: ImportReport } | { name: string; error: string };

export function ImportRecordPanel(props: { onClose: () => void }): ReactNode {
  const [files, setFiles] = useState<File[]>([]);
  const [running, setRunning] = useState(false);
  const [current, setCurrent] = useState<{ index: number; progress: ImportProgress } | null>(null);
  const [results, setResults] = useState<FileResult[]>([]);
  const [cancelled, setCancelled] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const queryClient = useQueryClient();

  const start = async () => {
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    setCancelled(false);
    setResults([]);
    const out: FileResult[] = [];
    for (const [index, file] of files.entries()) {
      if (controller.signal.aborted) break;
      setCurrent({ index, progress: { fraction: 0, phase: 'uploading' } });
      try {
        const report = await importFile(file, { signal: controller.signal, onProgress: (progress) => setCurrent({ index, progress }) });
        out.push({ name: file.name, report });
      } catch (err) {
        if (err instanceof DOMException && err.name === 'AbortError') {
          out.push({ name: file.name, error: 'cancelled: nothing from this file was written' });
          break;
        }
        out.push({ name: file.name, error: err instanceof Error ? err.message : String(err) });
      }
      setResults([...out]);
    }
    setResults([...out]);
    setRunning(false);
    setCurrent(null);
    await queryClient.invalidateQueries({ queryKey: ['fhir'] });
  };

  const cancel = () => {
    setCancelled(true);
    abort.current?.abort();
  };

  const overall = current ? (current.index + current.progress.fraction) / Math.max(1, files.length) : 0;
  return (
    <section className="panel" role="region" aria-label="Import record" style={{ marginBottom: 12, padding: 12, border: '1px solid var(--border, #333)' }}>
      <div style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
        <label htmlFor="import-files">FHIR files (Bundle JSON or NDJSON)</label>
        <input
          id="import-files"
          type="file"
          multiple
          accept=".json,.ndjson,application/json,application/fhir+json"
          disabled={running}
          onChange={(e) => setFiles(Array.from(e.target.files ?? []))}
        />
        <button type="button" className="btn btn-primary" disabled={running || files.length === 0} onClick={() => void start()}>
          Import {files.length > 1 ? `${files.length} files` : 'file'}
        </button>
        {running && (
          <button type="button" className="btn" onClick={cancel}>
            Cancel import
          </button>
        )}
        <button type="button" className="btn" disabled={running} onClick={props.onClose}>
          Close
        </button>
      </div>
      {running && current && (
        <div style={{ marginTop: 8 }} aria-live="polite">
          <progress max={1} value={overall} aria-label="Import progress" style={{ width: 300 }} />{' '}
          <span className="muted">
            file {current.index + 1} of {files.length} ({files[current.index]?.name}): {current.progress.phase}
            {current.progress.total ? ` ${current.progress.done ?? 0}/${current.progress.total} resources` : ''}
            {cancelled ? ' — cancelling…' : ''}
          </span>
        </div>
      )}
      {results.length > 0 && <ImportResults results={results} />}
    </section>
  );
}

function ImportResults(props: { results: readonly FileResult[] }): ReactNode {
  return (
    <div style={{ marginTop: 8 }} aria-label="Import report" role="region">
      <h2 style={{ fontSize: '1rem' }}>Import report</h2>
      {props.results.map((r) => (
        <div key={r.name} style={{ marginBottom: 8 }}>
          {'error' in r ? (
            <p role="alert" className="error">
              {r.name}: import failed — {r.error}
            </p>
          ) : (
            <FileReport report={r.report} />
          )}
        </div>
      ))}
    </div>
  );
}

function FileReport(props: { report: ImportReport }): ReactNode {
  const { report } = props;
  const c = report.counts;
  return (
    <>
      <p>
        <strong>{report.file}</strong>: {c.received} resources — {c.created} created, {c.updated} updated, {c.unchanged} already there, {c.refused} refused.
      </p>
      {report.patients.length > 0 && (
        <table className="data" aria-label={`Patients imported from ${report.file}`}>
          <thead>
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Born</th>
              <th scope="col">Import</th>
              <th scope="col">Digital twin</th>
            </tr>
          </thead>
          <tbody>
            {report.patients.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/patients/${encodeURIComponent(p.id)}`}>{p.name}</Link>
                </td>
                <td>{p.birthDate ?? '—'}</td>
                <td>{p.outcome}</td>
                <td>
                  {p.twin || 'can be calibrated and forecast'}
                  {p.notes.map((n) => (
                    <div key={n} className="muted">
                      limitation: {n}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report.refused.length > 0 && (
        <details open={report.refused.length <= 10}>
          <summary>{report.refused.length} refused — why</summary>
          <ul>
            {report.refused.slice(0, 200).map((x) => (
              <li key={`${x.where}-${x.reason}`}>
                {x.where} {x.resourceType ?? ''}
                {x.id ? `/${x.id}` : ''}: {x.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}
