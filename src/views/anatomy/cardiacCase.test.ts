import type { Condition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isCardiacCase, isHeartCondition } from './cardiacCase';

const SNOMED = 'http://snomed.info/sct';
function cond(system: string, code: string, display: string, status = 'active'): Condition {
  return {
    resourceType: 'Condition',
    subject: { reference: 'Patient/p' },
    clinicalStatus: { coding: [{ code: status }] },
    code: { coding: [{ system, code, display }] },
  };
}
// The demo record's conditions (server/demo/patients.ts).
const liverMets = cond(SNOMED, '94381002', 'Secondary malignant neoplasm of liver');
const hypertension = cond(SNOMED, '59621000', 'Essential hypertension');
const aorticStenosis = cond(SNOMED, '60573004', 'Aortic valve stenosis');
const hfref = cond(SNOMED, '703272007', 'Heart failure with reduced ejection fraction');

describe('cardiac case (where the "Publish as LV volume" panel belongs)', () => {
  it('the liver case (metastases, hypertension, a liver and a vessel) is not cardiac', () => {
    expect(isCardiacCase({ structureNames: ['liver', 'vessel', 'tumour'], conditions: [liverMets, hypertension] })).toBe(false);
    expect(isCardiacCase({ structureNames: [], conditions: undefined })).toBe(false);
  });
  it('aortic stenosis and HFrEF patients are cardiac by their coded conditions', () => {
    expect(isCardiacCase({ structureNames: ['liver'], conditions: [aorticStenosis, hypertension] })).toBe(true);
    expect(isCardiacCase({ structureNames: [], conditions: [hfref] })).toBe(true);
  });
  it('an LV blood-pool structure makes the case cardiac whatever the record says', () => {
    expect(isCardiacCase({ structureNames: ['liver', 'heart_ventricle_left'], conditions: [liverMets] })).toBe(true);
  });
  it('ICD-10 I05–I52 heart disease counts, hypertension I10 does not; resolved conditions do not', () => {
    const icd = 'http://hl7.org/fhir/sid/icd-10';
    expect(isHeartCondition(cond(icd, 'I25.1', ''))).toBe(true);
    expect(isHeartCondition(cond(icd, 'I50.9', ''))).toBe(true);
    expect(isHeartCondition(cond(icd, 'I10', ''))).toBe(false);
    expect(isHeartCondition(cond(icd, 'C78.7', ''))).toBe(false);
    expect(isHeartCondition(cond(SNOMED, '60573004', 'Aortic valve stenosis', 'resolved'))).toBe(false);
    expect(isHeartCondition(cond('urn:local', 'x', 'Dilated cardiomyopathy'))).toBe(true);
  });
});
