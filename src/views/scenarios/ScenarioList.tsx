// The scenarios to run, one card each (the current-therapy baseline first, not removable): the
// template, its editable values (range-checked by the template) and, during a run, its progress.
import type { ReactNode } from 'react';
import { templateById } from '../../../core/domain/scenarioTemplates';
import { BASELINE_ID, draftLabel, removeScenario, updateScenario, useScenarios } from '../../twin/scenarios';
import { SCENARIO_COLOURS } from '../twin/palette';

export function ScenarioList(): ReactNode {
  const drafts = useScenarios((s) => s.drafts);
  const running = useScenarios((s) => s.status === 'running');
  const progress = useScenarios((s) => s.progress);
  return (
    <div className="scenario-list" aria-label="Scenarios">
      {drafts.map((d, i) => {
        const t = templateById(d.templateId);
        return (
          <div key={d.id} className="scenario-card" style={{ borderLeftColor: SCENARIO_COLOURS[i % SCENARIO_COLOURS.length] }} aria-label={draftLabel(d)} role="group">
            <header>
              <strong>{t.label}</strong>
              {d.id !== BASELINE_ID && (
                <button type="button" className="btn btn-small btn-ghost" aria-label={`Remove ${draftLabel(d)}`} onClick={() => removeScenario(d.id)} disabled={running}>
                  ✕
                </button>
              )}
            </header>
            <span className="muted">{t.description}</span>
            {t.fields.length > 0 && (
              <div className="scenario-fields">
                {t.fields.map((f) => (
                  <div className="field" key={f.key}>
                    <label htmlFor={`${d.id}-${f.key}`}>
                      {f.label} ({f.unit})
                    </label>
                    <input
                      id={`${d.id}-${f.key}`}
                      className="input"
                      type="number"
                      min={f.min}
                      max={f.max}
                      step={f.step}
                      value={d.values[f.key] ?? f.default}
                      disabled={running}
                      onChange={(e) => updateScenario(d.id, { ...d.values, [f.key]: e.target.valueAsNumber })}
                    />
                  </div>
                ))}
              </div>
            )}
            {running && <span className="mono muted">{Math.round((progress[d.id] ?? 0) * 100)} %</span>}
          </div>
        );
      })}
    </div>
  );
}
