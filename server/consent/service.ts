// Consent decisions against the current record: twin permission per patient and the check run
// before every FHIR write.
import { evaluateTwinPermission, type ConsentLike, type TwinPermission } from './evaluate';
import { analyseTwinWrite } from './twin-writes';

/** Active Consents of a patient (embedded store or upstream). */
export type ConsentSource = (patientId: string) => Promise<ConsentLike[]>;

export type WriteVerdict = { ok: true } | { ok: false; status: 403 | 422; message: string; patientId?: string };

export class ConsentService {
  constructor(private readonly source: ConsentSource) {}

  async twinPermission(patientId: string): Promise<TwinPermission> {
    return evaluateTwinPermission(await this.source(patientId));
  }

  /** Verdict on a write body (resource or Bundle) before it reaches the store. */
  async checkWrite(body: unknown): Promise<WriteVerdict> {
    const analysis = analyseTwinWrite(body);
    if (analysis.problems.length > 0) return { ok: false, status: 422, message: analysis.problems.join('; ') };
    for (const patientId of analysis.patientIds) {
      const permission = await this.twinPermission(patientId);
      if (!permission.allowed) {
        return { ok: false, status: 403, message: permission.reason ?? 'consent denies digital-twin for this patient', patientId };
      }
    }
    return { ok: true };
  }
}
