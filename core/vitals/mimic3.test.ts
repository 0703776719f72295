import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ingestFhirVitals } from './fhir-vitals';
import { mimic3ToBundles, mimicTime, parseCsv } from './mimic3';

// Four real ICU stays from the MIMIC-III demo (test-data/SOURCES.md): 201204 (46 h, the bench's
// stay), 206504 (39 h), 264446 (with a charted heart rate of 0) and 298685 (with an NBP systolic of 11647).
const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-data', 'vitals', 'mimic3-demo-sample');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');
const tables = () => ({ patientsCsv: read('patients.csv'), icustaysCsv: read('icustays.csv'), admissionsCsv: read('admissions.csv'), charteventsCsv: read('chartevents_vitals.csv') });

describe('parseCsv', () => {
  it('reads quoted fields with commas, escaped quotes and CRLF', () => {
    const r = parseCsv('a,b,c\r\n1,"x, ""y""",3\r\n4,,"multi\nline"\n');
    expect(r.header).toEqual(['a', 'b', 'c']);
    expect(r.rows).toEqual([
      ['1', 'x, "y"', '3'],
      ['4', '', 'multi\nline'],
    ]);
  });
  it('refuses a file cut inside a quoted field, naming the file', () => {
    expect(() => parseCsv('a,b\n1,"open', 'admissions.csv')).toThrow(/admissions.csv: a quoted field is not closed/);
  });
  it('writes MIMIC times as FHIR dateTimes', () => {
    expect(mimicTime('2164-10-23 22:40:00')).toBe('2164-10-23T22:40:00+00:00');
    expect(mimicTime('not a time')).toBeUndefined();
  });
});

describe('mimic3ToBundles on real MIMIC-III demo stays', () => {
  const conv = mimic3ToBundles(tables());
  const stay = (id: string) => conv.stays.find((s) => s.icustayId === id)!;

  it('writes one bundle per ICU stay with Patient, hospital and ICU Encounters', () => {
    expect(conv.stays.map((s) => s.icustayId)).toEqual(['201204', '206504', '264446', '298685']);
    const b = stay('206504').bundle;
    const types = b.entry.map((e) => e.resource.resourceType);
    expect(types.slice(0, 3)).toEqual(['Patient', 'Encounter', 'Encounter']);
    const patient = b.entry[0]!.resource;
    expect(patient).toMatchObject({ id: 'm3-10006', gender: 'female', birthDate: '2094-03-05' });
    // MIMIC-III's DOD is a date (its 00:00:00 is no time of death): a FHIR partial date.
    expect(patient.deceasedDateTime).toBe('2165-08-12');
    expect(b.entry[2]!.resource).toMatchObject({ partOf: { reference: 'Encounter/m3-hadm-142345' }, period: { start: '2164-10-23T21:10:15+00:00' } });
    for (const e of b.entry) expect(e.request.url).toBe(`${String(e.resource.resourceType)}/${String(e.resource.id)}`);
  });

  it('loses no charted value: every row comes back through the product ingest', () => {
    let values = 0;
    for (const s of conv.stays) {
      const v = ingestFhirVitals(s.bundle);
      values += v.observations.length + v.rejected.length;
    }
    expect(values).toBe(conv.rowsRead);
    expect(conv.rowsRead).toBe(4055);
    expect(conv.problems.filter((p) => p.file === 'chartevents')).toEqual([]);
  });

  it('keeps arterial and cuff pressures apart by their LOINC codes', () => {
    const v = ingestFhirVitals(stay('298685').bundle);
    const codes = new Set(v.observations.filter((o) => o.kind === 'mapMmHg').map((o) => o.loinc));
    expect(codes).toEqual(new Set(['76214-6', '76536-2']));
    expect(v.observations.some((o) => o.kind === 'sbpMmHg' && o.loinc === '76215-3')).toBe(true);
  });

  it('flags the artefacts through the existing ingest rules instead of dropping them', () => {
    const hr0 = ingestFhirVitals(stay('264446').bundle).implausible.filter((o) => o.kind === 'hrBpm' && o.value === 0);
    expect(hr0.length).toBeGreaterThan(0);
    const nbp = ingestFhirVitals(stay('298685').bundle).implausible.find((o) => o.value === 11647);
    expect(nbp?.kind).toBe('sbpMmHg');
    expect(nbp?.implausible).toMatch(/outside plausible range/);
  });

  it('is deterministic: converting twice gives the same ids (PUT twice writes nothing new)', () => {
    const again = mimic3ToBundles(tables());
    const ids = (c: typeof conv) => c.stays.flatMap((s) => s.bundle.entry.map((e) => e.request.url));
    expect(ids(again)).toEqual(ids(conv));
    // Patient and hospital Encounter repeat across stays of one subject; all else is unique.
    expect(new Set(ids(conv)).size).toBe(ids(conv).length);
  });
});

describe('mimic3ToBundles on bad input', () => {
  const patientsCsv = 'row_id,subject_id,gender,dob,dod\n1,7,M,1800-01-01 00:00:00,\n';
  const icustaysCsv = 'subject_id,hadm_id,icustay_id,first_careunit,intime,outtime\n7,70,700,MICU,2100-01-01 00:00:00,2100-01-02 00:00:00\n';
  const head = 'subject_id,hadm_id,icustay_id,charttime,itemid,signal,label,valuenum,valueuom\n';

  it('writes a value with a contradicting unit as data absent and names the row', () => {
    const conv = mimic3ToBundles({ patientsCsv, icustaysCsv, charteventsCsv: `${head}7,70,700,2100-01-01 01:00:00,678,TEMP_F,Temperature F,37,Deg. C\n7,70,700,2100-01-01 01:00:00,211,HR,Heart Rate,,BPM\n` });
    const rows = conv.problems.filter((p) => p.file === 'chartevents');
    expect(rows.map((p) => p.row)).toEqual([2, 3]);
    expect(rows[0]!.reason).toMatch(/TEMP_F \(item 678\) charted in "Deg. C"/);
    const v = ingestFhirVitals(conv.stays[0]!.bundle);
    expect(v.rejected.map((r) => r.reason).sort()).toEqual(['data absent: error', 'data absent: unsupported']);
  });

  it('leaves out the shifted birth date of a patient over 89 and says so', () => {
    const conv = mimic3ToBundles({ patientsCsv, icustaysCsv, charteventsCsv: `${head}7,70,700,2100-01-01 01:00:00,211,HR,Heart Rate,80,BPM\n` });
    const patient = conv.stays[0]!.bundle.entry[0]!.resource;
    expect(patient.birthDate).toBeUndefined();
    expect(conv.problems.some((p) => /over 89/.test(p.reason))).toBe(true);
  });

  it('refuses a chartevents file without its columns, naming them', () => {
    expect(() => mimic3ToBundles({ patientsCsv, icustaysCsv, charteventsCsv: 'subject_id,charttime\n' })).toThrow(/chartevents: missing column\(s\) hadm_id, icustay_id, itemid, signal, valuenum, valueuom/);
  });

  it('names a row whose stay is unknown', () => {
    const conv = mimic3ToBundles({ patientsCsv, icustaysCsv, charteventsCsv: `${head}7,70,999,2100-01-01 01:00:00,211,HR,Heart Rate,80,BPM\n` });
    expect(conv.problems).toEqual([{ file: 'chartevents', row: 2, reason: 'ICU stay 999 is not in icustays.csv' }]);
  });
});
