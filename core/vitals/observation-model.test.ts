import { describe, expect, it } from 'vitest';
import { applyOperator, parseSiteKey, RADIAL_PP_AMPLIFICATION, SITE_TRANSFER, siteKey, siteNoiseSd, siteOfLoinc, siteOperator, type MeasurementSite } from './observation-model';

/** An aortic pulse: DBP 70, SBP 120, MAP at the central form factor 0.44 (Chemla 2002: 0.45). */
const AORTA = { sbpMmHg: 120, dbpMmHg: 70, mapMmHg: 70 + 0.44 * 50 };
const at = (site: MeasurementSite) => {
  const get = (k: string) => AORTA[k as keyof typeof AORTA];
  return {
    sbp: applyOperator(siteOperator(site, 'sbpMmHg'), get),
    dbp: applyOperator(siteOperator(site, 'dbpMmHg'), get),
    map: applyOperator(siteOperator(site, 'mapMmHg'), get),
  };
};

describe('blood-pressure observation operator per measurement site', () => {
  it('maps the aortic pulse to the radial line: form factor 0.44 → 0.34, mean and diastolic 1 mmHg lower', () => {
    const r = at('arterial');
    expect(r.dbp).toBeCloseTo(69, 12);
    expect(r.map).toBeCloseTo(91, 12);
    // Pulse pressure amplified by 0.44/0.34 (published central vs brachioradial form factors).
    expect(r.sbp - r.dbp).toBeCloseTo(50 * RADIAL_PP_AMPLIFICATION, 12);
    expect((r.map - r.dbp) / (r.sbp - r.dbp)).toBeCloseTo(0.34, 3);
    expect(r.sbp).toBeGreaterThan(AORTA.sbpMmHg + 10);
  });

  it('puts the cuff where ICU studies found it relative to the line (Kaufmann 2020: +0.8 / −2.9 / −1.0 mmHg)', () => {
    const a = at('arterial');
    const c = at('cuff');
    expect(c.sbp - a.sbp).toBeCloseTo(0.8, 12);
    expect(c.dbp - a.dbp).toBeCloseTo(-2.9, 12);
    expect(c.map - a.map).toBeCloseTo(-1.0, 12);
  });

  it('carries each site’s measurement error with its source', () => {
    expect(siteNoiseSd('cuff', 'sbpMmHg', 120)).toBe(8); // ISO 81060-2 limit
    expect(siteNoiseSd('arterial', 'mapMmHg', 80)).toBe(5);
    for (const site of ['arterial', 'cuff'] as const) {
      for (const n of Object.values(SITE_TRANSFER[site].noise)) expect(n.source.length).toBeGreaterThan(20);
    }
  });

  it('tells the site from the LOINC code and names band keys per site', () => {
    expect(siteOfLoinc('76215-3')).toBe('arterial');
    expect(siteOfLoinc('76534-7')).toBe('cuff');
    expect(siteOfLoinc('8480-6')).toBe('none');
    expect(siteKey('mapMmHg', 'cuff')).toBe('mapMmHg@cuff');
    expect(siteKey('mapMmHg', 'none')).toBe('mapMmHg');
    expect(siteKey('hrBpm', 'arterial')).toBe('hrBpm');
    expect(parseSiteKey('sbpMmHg@arterial')).toEqual({ key: 'sbpMmHg', site: 'arterial' });
    expect(parseSiteKey('hrBpm')).toEqual({ key: 'hrBpm', site: undefined });
  });
});
