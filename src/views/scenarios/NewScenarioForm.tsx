// New scenario: a template (with its description) added to the list with its default values.
import { useState, type ReactNode } from 'react';
import { SCENARIO_TEMPLATES, templateById, type TemplateId } from '../../../core/domain/scenarioTemplates';
import { addScenario } from '../../twin/scenarios';

export function NewScenarioForm({ onDone }: { onDone: () => void }): ReactNode {
  const [templateId, setTemplateId] = useState<TemplateId>('tavr');
  const options = SCENARIO_TEMPLATES.filter((t) => t.id !== 'baseline');
  return (
    <div className="toolbar" role="group" aria-label="New scenario from a template">
      <div className="field">
        <label htmlFor="scenario-template">Template</label>
        <select id="scenario-template" className="input" value={templateId} onChange={(e) => setTemplateId(e.target.value as TemplateId)}>
          {options.map((t) => (
            <option key={t.id} value={t.id}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      <span className="muted">{templateById(templateId).description}</span>
      <button
        type="button"
        className="btn btn-primary"
        onClick={() => {
          addScenario(templateId);
          onDone();
        }}
      >
        Add scenario
      </button>
      <button type="button" className="btn btn-ghost" onClick={onDone}>
        Close
      </button>
    </div>
  );
}
