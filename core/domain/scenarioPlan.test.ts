import { describe, expect, it } from 'vitest';
import type { Intervention } from './physiology';
import { planContent, planDecisionId, type PlanChoice } from './scenarioPlan';

const tavr: Intervention[] = [{ type: 'tavr', atSec: 0, eoaCm2: 1.8 }];
const scenario = (interventions: readonly Intervention[]): PlanChoice => ({ kind: 'scenario', templateId: 'tavr', label: 'TAVR (1.8 cm²)', interventions });

describe('planDecisionId', () => {
  it('is the same for the same decision on the same calibration, and differs otherwise', () => {
    const t = Date.parse('2026-11-21T06:00:00Z');
    const id = planDecisionId(scenario(tavr), t);
    expect(id).toMatch(/^tavr-[0-9a-f]+$/);
    expect(id.length).toBeLessThanOrEqual(64);
    expect(planDecisionId(scenario([{ type: 'tavr', atSec: 0, eoaCm2: 1.8 }]), t)).toBe(id);
    // A new calibration is a new decision; so are other interventions.
    expect(planDecisionId(scenario(tavr), t + 1)).not.toBe(id);
    expect(planDecisionId(scenario([{ type: 'tavr', atSec: 0, eoaCm2: 2.1 }]), t)).not.toBe(id);
    // An override is named by its words (surrounding blanks do not make another plan).
    const o = planDecisionId({ kind: 'override', text: 'Balloon valvuloplasty' }, t);
    expect(o).toMatch(/^override-/);
    expect(planDecisionId({ kind: 'override', text: '  Balloon valvuloplasty ' }, t)).toBe(o);
  });
});

describe('planContent', () => {
  it('names the interventions, current therapy when there are none, and an override in its own words', () => {
    expect(planContent(scenario(tavr))).toEqual({ title: 'TAVR (1.8 cm²)', activities: ['TAVR, prosthesis EOA 1.8 cm² now'] });
    expect(planContent({ kind: 'scenario', templateId: 'baseline', label: 'Current therapy', interventions: [] })).toEqual({
      title: 'Current therapy: continue current therapy',
      activities: ['Continue current therapy'],
    });
    expect(planContent({ kind: 'override', text: ' Balloon valvuloplasty ' })).toEqual({ title: 'Balloon valvuloplasty', activities: ['Balloon valvuloplasty'] });
  });
});
