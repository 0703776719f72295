// Pure consent evaluation: does any active Consent of a patient deny the `digital-twin` action?
// R4 Consent: https://hl7.org/fhir/R4/consent.html — provision.type is deny|permit, nested
// provisions are exceptions to their parent, and a provision without actions covers all actions.
import { CONSENT_ACTION_DIGITAL_TWIN, CONSENT_ACTION_SYSTEM } from '../../core/contracts';

export const CONSENT_DENIED_MESSAGE = 'consent denies digital-twin for this patient';

interface Coding {
  system?: string;
  code?: string;
}
interface Provision {
  type?: string;
  period?: { start?: string; end?: string };
  action?: { coding?: Coding[] }[];
  provision?: Provision[];
}
export interface ConsentLike {
  resourceType?: string;
  id?: string;
  status?: string;
  provision?: Provision;
}

export interface TwinPermission {
  allowed: boolean;
  reason?: string;
  /** The Consent that decided a refusal, as "Consent/{id}". */
  consent?: string;
}

function inPeriod(p: Provision, nowMs: number): boolean {
  const start = p.period?.start ? Date.parse(p.period.start) : NaN;
  const end = p.period?.end ? Date.parse(p.period.end) : NaN;
  if (!Number.isNaN(start) && nowMs < start) return false;
  if (!Number.isNaN(end) && nowMs > end) return false;
  return true;
}

function coversDigitalTwin(p: Provision): boolean {
  // No action listed: the provision applies to every action, digital twin included.
  if (!p.action || p.action.length === 0) return true;
  return p.action.some((a) => (a.coding ?? []).some((c) => c.system === CONSENT_ACTION_SYSTEM && c.code === CONSENT_ACTION_DIGITAL_TWIN));
}

/**
 * The effect of a provision tree on the digital-twin action: 'deny', 'permit', or undefined when
 * it does not speak to it. The most specific (deepest) applicable provision wins.
 */
function effectOf(p: Provision, nowMs: number, inherited: 'deny' | 'permit' | undefined): 'deny' | 'permit' | undefined {
  if (!inPeriod(p, nowMs)) return inherited;
  let effect = inherited;
  if ((p.type === 'deny' || p.type === 'permit') && coversDigitalTwin(p)) effect = p.type;
  for (const child of p.provision ?? []) {
    const childEffect = effectOf(child, nowMs, undefined);
    if (childEffect !== undefined) effect = childEffect;
  }
  return effect;
}

/**
 * Twin permission from a patient's Consent resources. Conservative: any active Consent that
 * denies the digital-twin action refuses, whatever other consents say.
 */
export function evaluateTwinPermission(consents: readonly ConsentLike[], nowMs: number = Date.now()): TwinPermission {
  for (const c of consents) {
    if (c.resourceType !== 'Consent' || c.status !== 'active' || !c.provision) continue;
    if (effectOf(c.provision, nowMs, undefined) === 'deny') {
      return { allowed: false, reason: CONSENT_DENIED_MESSAGE, ...(c.id ? { consent: `Consent/${c.id}` } : {}) };
    }
  }
  return { allowed: true };
}
