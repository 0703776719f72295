// The Imaging tab (lazy chunk): the patient's studies from the record and the PACS, files from
// disk, and a Cornerstone3D viewer with a stack view and three-plane MPR. React only: loading,
// decoding, geometry and tools live in src/compute/imaging.
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import type { SeriesSummary, StudySummary } from '../../../core/dicom/dicomJson';
import { createDicomwebClient } from '../../compute/imaging/dicomweb';
import { workerIngest } from '../../compute/imaging/ingestClient';
import { importLocalFiles, type LocalImportResult, type LocalSeries } from '../../compute/imaging/localImport';
import { stowFiles, type StowProgress, type StowResult } from '../../compute/imaging/stow';
import { MPR_KEYS, type PrimaryTool, type ViewportKey } from '../../compute/imaging/viewer';
import { isWindowPresetId, presetForRange, WINDOW_PRESETS } from '../../compute/imaging/windowPresets';
import { expectedPatient, identityMismatch, imagePatientFromJson } from '../../compute/imaging/patientIdentity';
import { http } from '../../sources/api';
import { usePatient } from '../../sources/queries';
import { medicalRecordNumber } from '../patients/patient-summary';
import type { WorkspaceViewProps } from '../workspace/view-props';
import { FrameRetryNotice } from './FrameRetryNotice';
import { SegOverlayPanel } from './SegOverlay';
import { HelpPopover, SHORTCUT_TOOLS } from './HelpPopover';
import { ImportPanel, type ImportState } from './ImportPanel';
import { StudyBrowser } from './StudyBrowser';
import { useViewer } from './useViewer';
import { ViewportPane } from './ViewportPane';
import './imaging.css';

const TOOL_LABEL: Record<PrimaryTool, string> = {
  WindowLevel: 'Window/level',
  Pan: 'Pan',
  Zoom: 'Zoom',
  Length: 'Length',
  Angle: 'Angle',
  RectangleROI: 'ROI',
  Crosshairs: 'Crosshairs',
};

export default function ImagingView(props: WorkspaceViewProps): ReactNode {
  const dicomweb = useMemo(() => createDicomwebClient(http), []);
  const patient = usePatient(props.patientId);
  const expected = useMemo(
    () => (patient.data ? expectedPatient(props.patientId, patient.data, medicalRecordNumber(patient.data)?.value) : null),
    [patient.data, props.patientId],
  );
  const v = useViewer();
  const { state, attach, setLayout, open } = v;
  const [tool, setTool] = useState<PrimaryTool>('WindowLevel');
  const [importState, setImportState] = useState<ImportState>({ phase: 'idle', filesDone: 0, filesTotal: 0, result: null, error: null });
  const importAbort = useRef<AbortController | null>(null);
  const [upload, setUpload] = useState<{ progress: StowProgress | null; result: StowResult | null; error: string | null; running: boolean }>({
    progress: null,
    result: null,
    error: null,
    running: false,
  });
  const [dragOver, setDragOver] = useState(false);
  const viewerArea = useRef<HTMLDivElement>(null);

  // Attach Cornerstone to whichever layout is showing.
  useEffect(() => {
    if (state.viewer) void attach(state.layout);
  }, [state.viewer, state.layout, attach]);

  // Keep the canvases the size of their boxes.
  useEffect(() => {
    const el = viewerArea.current;
    if (!el || !state.viewer) return;
    const viewer = state.viewer;
    const ro = new ResizeObserver(() => viewer.resize());
    ro.observe(el);
    return () => ro.disconnect();
  }, [state.viewer]);

  useEffect(() => {
    state.viewer?.setPrimaryTool(tool);
  }, [state.viewer, tool]);

  // Study of each PACS series opened (for the segmentation overlay: SEG series of the same study).
  const studyOfSeries = useRef(new Map<string, string>());
  const openRemote = useCallback(
    (s: SeriesSummary, study: StudySummary) => {
      studyOfSeries.current.set(s.seriesInstanceUid, s.studyInstanceUid);
      const placeholder = { id: s.seriesInstanceUid, description: s.description ?? study.description, imageIds: [], modality: s.modality, patientId: props.patientId };
      flushSync(() => setLayout('stack', false));
      void open(placeholder, async (signal) => {
        const ids = await dicomweb.seriesImageIds(s.studyInstanceUid, s.seriesInstanceUid, signal);
        // Every image's identity against the open patient: another patient's images are refused (issue 17).
        if (!expected) throw new Error("the patient's record has not loaded yet, so the images cannot be checked against it: try again");
        for (const json of new Set(ids.metadataByImageId.values())) {
          const mismatch = identityMismatch(expected, imagePatientFromJson(json));
          if (mismatch) throw new Error(`refused: ${mismatch}`);
        }
        const cs = state.cs;
        for (const [imageId, json] of ids.metadataByImageId) cs?.loader.wadors.metaDataManager.add(imageId, json as never);
        if (ids.imageIds.length === 0) {
          throw new Error(ids.unsupported[0]?.message ?? 'the series has no images');
        }
        return { ...placeholder, imageIds: ids.imageIds, modality: ids.modality ?? s.modality, warnings: ids.warnings, pixelDataUrl: ids.pixelDataUrl };
      });
    },
    [dicomweb, props.patientId, state.cs, setLayout, open, expected],
  );

  /** Why a local study is not the open patient's (null when it is). */
  const localMismatch = useCallback(
    (studyInstanceUid: string, result: LocalImportResult | null = importState.result): string | null => {
      const study = result?.studies.find((st) => st.studyInstanceUid === studyInstanceUid);
      if (!study) return null;
      if (!expected) return "the patient's record has not loaded, so the files cannot be checked against it";
      return identityMismatch(expected, study.patient);
    },
    [expected, importState.result],
  );

  const openLocal = useCallback(
    (s: LocalSeries, result: LocalImportResult | null = importState.result) => {
      // Opening another patient's series is the user's explicit choice (the button says so); the
      // warning then stays over the viewer while the images are shown.
      const mismatch = localMismatch(s.studyInstanceUid, result);
      flushSync(() => setLayout('stack', false));
      void open({
        id: s.key,
        description: s.description,
        imageIds: s.imageIds,
        modality: s.modality,
        patientId: null,
        warnings: s.warnings,
        ...(mismatch ? { identityWarning: `Not this patient's images: ${mismatch}.` } : {}),
      });
    },
    [setLayout, open, localMismatch, importState.result],
  );

  const onFiles = useCallback(
    async (files: File[]) => {
      const cs = state.cs;
      if (!cs) return;
      importAbort.current?.abort();
      const ac = new AbortController();
      importAbort.current = ac;
      setUpload({ progress: null, result: null, error: null, running: false });
      setImportState({ phase: 'parsing', filesDone: 0, filesTotal: files.length, result: null, error: null });
      try {
        const result = await importLocalFiles(cs, files, workerIngest, {
          signal: ac.signal,
          onProgress: (p) => setImportState((s) => ({ ...s, filesDone: p.filesDone, filesTotal: p.filesTotal })),
        });
        setImportState({ phase: 'done', filesDone: files.length, filesTotal: files.length, result, error: null });
        // Auto-open only the open patient's own images; another patient's wait for an explicit click.
        const first = result.studies.flatMap((st) => st.series).find((x) => !x.unsupported && x.imageIds.length > 0);
        if (first && localMismatch(first.studyInstanceUid, result) === null) openLocal(first, result);
      } catch (err) {
        const cancelled = ac.signal.aborted;
        setImportState({
          phase: 'idle',
          filesDone: 0,
          filesTotal: 0,
          result: null,
          error: cancelled ? null : `Could not read the files: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    },
    [state.cs, openLocal, localMismatch],
  );

  const onUpload = useCallback(async () => {
    const files = importState.result?.uploadable ?? [];
    if (files.length === 0) return;
    setUpload({ progress: null, result: null, error: null, running: true });
    try {
      const result = await stowFiles('/dicomweb', files, { onProgress: (p) => setUpload((u) => ({ ...u, progress: p })) });
      setUpload((u) => ({ ...u, result, running: false }));
    } catch (err) {
      setUpload((u) => ({ ...u, running: false, error: `Upload failed: ${err instanceof Error ? err.message : String(err)}` }));
    }
  }, [importState.result]);

  const presetId = state.voi ? (presetForRange(state.voi)?.id ?? 'custom') : 'custom';

  const onViewportKey = useCallback(
    (k: ViewportKey, e: React.KeyboardEvent) => {
      const viewer = state.viewer;
      if (!viewer) return;
      const step = e.key === 'ArrowUp' || e.key === 'ArrowLeft' ? -1 : e.key === 'ArrowDown' || e.key === 'ArrowRight' ? 1 : e.key === 'PageUp' ? -10 : e.key === 'PageDown' ? 10 : 0;
      if (step !== 0) {
        viewer.scroll(k, step);
        e.preventDefault();
      } else if (e.key === '+' || e.key === '=') {
        viewer.zoom(k, 1.2);
        e.preventDefault();
      } else if (e.key === '-') {
        viewer.zoom(k, 1 / 1.2);
        e.preventDefault();
      }
    },
    [state.viewer],
  );

  // View-wide shortcuts; ignored while typing in a field.
  const onKeyDown = (e: React.KeyboardEvent) => {
    const t = e.target as HTMLElement;
    if (t.closest('input, select, textarea') || e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key.toLowerCase();
    const toolFor = SHORTCUT_TOOLS[key];
    if (toolFor) {
      setTool(toolFor);
      e.preventDefault();
      return;
    }
    const n = Number(e.key);
    if (Number.isInteger(n) && n >= 1 && n <= WINDOW_PRESETS.length) {
      state.viewer?.setPreset(WINDOW_PRESETS[n - 1]!.id);
      e.preventDefault();
    } else if (key === 'm' && state.mprAvailable) {
      v.setLayout(state.layout === 'mpr' ? 'stack' : 'mpr');
      e.preventDefault();
    } else if (key === 'r' && e.shiftKey) {
      state.viewer?.resetView();
      e.preventDefault();
    } else if (e.key === 'Escape' && state.loading) {
      state.loading.cancel();
    }
  };

  const onDrop = (e: React.DragEvent) => {
    e.preventDefault();
    setDragOver(false);
    void filesFromDrop(e.dataTransfer).then((files) => {
      if (files.length > 0) void onFiles(files);
    });
  };

  if (state.initError) {
    return (
      <div className="imaging-view">
        <div className="notice notice-error" role="alert">
          <strong>Imaging cannot start.</strong> <span>{state.initError}</span>
          <button type="button" className="btn btn-small" onClick={v.retryInit}>
            Retry
          </button>
        </div>
      </div>
    );
  }

  const pct = state.loading ? Math.floor((100 * state.loading.progress.loadedFrames) / Math.max(1, state.loading.progress.totalFrames)) : 0;
  const busy = !state.viewer;

  return (
    <div className="imaging-view" onKeyDown={onKeyDown}>
      <aside className="imaging-side">
        <StudyBrowser
          patientId={props.patientId}
          dicomweb={dicomweb}
          onOpenSeries={openRemote}
          openSeriesUid={state.openSeries?.id ?? null}
          disabled={busy}
        />
        <SegOverlayPanel
          dicomweb={dicomweb}
          studyInstanceUid={state.openSeries ? (studyOfSeries.current.get(state.openSeries.id) ?? null) : null}
          ctSeriesUid={state.openSeries && studyOfSeries.current.has(state.openSeries.id) ? state.openSeries.id : null}
          patientIds={expected?.ids ?? [props.patientId]}
        />
        <ImportPanel
          state={importState}
          onFiles={(f) => void onFiles(f)}
          onCancel={() => importAbort.current?.abort()}
          onOpenSeries={(s) => openLocal(s)}
          identityMismatch={(uid) => localMismatch(uid)}
          onUpload={() => void onUpload()}
          upload={upload}
          disabled={busy}
        />
        {state.measurements.length > 0 && (
          <section aria-label="Measurements" className="imaging-measurements">
            <h2>Measurements</h2>
            <ul>
              {state.measurements.map((m) => (
                <li key={m.uid}>
                  <span className="muted">{TOOL_LABEL[m.tool]}</span> <span className="mono">{m.text}</span>
                </li>
              ))}
            </ul>
            <button type="button" className="btn btn-small" onClick={() => state.viewer?.clearMeasurements()}>
              Clear measurements
            </button>
          </section>
        )}
      </aside>
      <div className="imaging-main">
        <div className="imaging-toolbar" role="toolbar" aria-label="Viewer tools">
          <fieldset className="seg" aria-label="Layout">
            <button type="button" className="btn btn-small" aria-pressed={state.layout === 'stack'} onClick={() => v.setLayout('stack')}>
              Stack
            </button>
            <button
              type="button"
              className="btn btn-small"
              aria-pressed={state.layout === 'mpr'}
              disabled={!state.mprAvailable}
              title={state.mprAvailable ? undefined : 'Three-plane view needs a loaded series of at least 3 slices'}
              onClick={() => v.setLayout('mpr')}
            >
              MPR
            </button>
          </fieldset>
          <fieldset className="seg" aria-label="Mouse tool">
            {(Object.keys(TOOL_LABEL) as PrimaryTool[]).map((t) => (
              <button
                key={t}
                type="button"
                className="btn btn-small"
                aria-pressed={tool === t}
                disabled={t === 'Crosshairs' && state.layout !== 'mpr'}
                onClick={() => setTool(t)}
              >
                {TOOL_LABEL[t]}
              </button>
            ))}
          </fieldset>
          <label className="inline-field">
            <span>Window preset</span>
            <select
              className="input"
              value={presetId}
              disabled={!state.openSeries}
              onChange={(e) => {
                if (isWindowPresetId(e.target.value)) state.viewer?.setPreset(e.target.value);
              }}
            >
              <option value="custom" disabled>
                {state.voi ? 'Custom' : '—'}
              </option>
              {WINDOW_PRESETS.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label} ({p.widthHu}/{p.centerHu})
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-small" onClick={() => state.viewer?.resetView()} disabled={!state.openSeries}>
            Reset view
          </button>
          <HelpPopover />
        </div>
        {state.loading && (
          <div className="progress-row load-progress">
            <label htmlFor="series-progress">Loading {state.loading.label}</label>
            <progress
              id="series-progress"
              max={100}
              value={pct}
              aria-valuetext={`${pct}% (${state.loading.progress.loadedFrames} of ${state.loading.progress.totalFrames} images)`}
            >
              {pct}%
            </progress>
            <span className="mono">{pct}%</span>
            <button type="button" className="btn btn-small" onClick={state.loading.cancel}>
              Cancel
            </button>
          </div>
        )}
        {state.loadError && (
          <div className="notice notice-error" role="alert">
            {state.loadError}
          </div>
        )}
        {state.openSeries?.identityWarning && (
          <div className="notice notice-error identity-warning" role="alert">
            {state.openSeries.identityWarning}
          </div>
        )}
        {state.notice && (
          <div className="notice notice-info" role="status">
            {state.notice}
          </div>
        )}
        <FrameRetryNotice key={state.openSeries?.id ?? 'none'} />
        <div
          ref={viewerArea}
          className={`imaging-viewports layout-${state.layout}${dragOver ? ' drag-over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragOver(true);
          }}
          onDragLeave={() => setDragOver(false)}
          onDrop={onDrop}
        >
          {busy && <p className="muted viewer-starting">Starting the image viewer…</p>}
          <ViewportPane
            k="stack"
            hidden={state.layout !== 'stack'}
            labels={state.labels.stack}
            slice={state.slices.stack}
            register={v.registerElement}
            onKey={onViewportKey}
          />
          {MPR_KEYS.map((k) => (
            <ViewportPane
              key={k}
              k={k}
              hidden={state.layout !== 'mpr'}
              labels={state.labels[k]}
              slice={state.slices[k]}
              register={v.registerElement}
              onKey={onViewportKey}
            />
          ))}
          {!state.openSeries && !busy && (
            <p className="viewer-empty muted">Open a series from the list, or drop DICOM files here.</p>
          )}
        </div>
      </div>
    </div>
  );
}

/** Files of a drop, folders walked recursively (webkitGetAsEntry), named by their path. */
async function filesFromDrop(dt: DataTransfer): Promise<File[]> {
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...dt.files];
  const out: File[] = [];
  const walk = async (entry: FileSystemEntry, path: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      // Keep the folder path so refusals name the file as the user sees it.
      out.push(path ? new File([file], file.name, { type: file.type, lastModified: file.lastModified }) : file);
      Object.defineProperty(out[out.length - 1], 'webkitRelativePath', { value: `${path}${file.name}` });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns at most 100 entries per call: read until it returns none.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${path}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}
