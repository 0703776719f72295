// Label tables: which name and colour each label value carries. TotalSegmentator ships its table
// as JSON {"1": "spleen", …}; the same shape is accepted for any NIfTI label map.
import { type CodedConcept, type SegmentInfo } from '../../core/domain/imaging';

export type LabelTable = Map<number, string>;

/** Parse `{ "id": "name" }` (ids 1–65535). Throws naming the first bad entry. */
export function parseLabelTable(json: unknown): LabelTable {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error('label table must be a JSON object mapping label ids to names, e.g. {"5": "liver"}');
  }
  const table: LabelTable = new Map();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 1 || id > 65535) throw new Error(`label table key "${key}" is not a label id between 1 and 65535`);
    if (typeof value !== 'string' || value.trim() === '') throw new Error(`label table entry ${key} must be a non-empty name`);
    table.set(id, value);
  }
  return table;
}

// Organ colours close to the conventions of anatomy atlases (and 3D Slicer's generic anatomy
// colours), so a surgeon recognises structures at a glance; anything else cycles a qualitative palette.
const NAMED_COLOURS: ReadonlyArray<readonly [RegExp, [number, number, number]]> = [
  [/liver/, [221, 130, 101]],
  [/spleen/, [157, 108, 162]],
  [/kidney/, [185, 102, 83]],
  [/pancreas/, [249, 180, 111]],
  [/gallbladder/, [139, 150, 98]],
  [/stomach|duodenum|bowel|colon|esophagus/, [216, 132, 105]],
  [/aorta|artery|arteries|iliac_artery|brachiocephalic_trunk|carotid|subclavian/, [224, 97, 76]],
  [/vein|vena|portal|ivc/, [0, 151, 206]],
  [/heart|myocard|ventricle|atrium/, [206, 110, 84]],
  [/lung|trachea/, [197, 165, 145]],
  [/vertebra|rib|sternum|sacrum|hip|femur|humerus|scapula|clavicula|skull|costal/, [241, 214, 145]],
  [/adrenal/, [244, 214, 49]],
  [/bladder|prostate/, [222, 154, 132]],
];
const PALETTE: ReadonlyArray<[number, number, number]> = [
  [128, 174, 128], [241, 214, 145], [177, 122, 101], [111, 184, 210], [216, 101, 79], [221, 130, 101],
  [144, 238, 144], [192, 104, 88], [220, 245, 20], [78, 63, 0], [255, 250, 220], [230, 220, 70],
];

export function colourFor(label: number, name: string): [number, number, number] {
  const lower = name.toLowerCase();
  for (const [re, rgb] of NAMED_COLOURS) if (re.test(lower)) return [rgb[0], rgb[1], rgb[2]];
  const c = PALETTE[label % PALETTE.length]!;
  return [c[0], c[1], c[2]];
}

/** Segments for the labels present, named from the table when it has them. */
export function segmentsFor(present: number[], table?: LabelTable): SegmentInfo[] {
  return present.map((label) => {
    const name = table?.get(label) ?? `label ${label}`;
    return { label, name, colorRgb: colourFor(label, name) };
  });
}

/** Sorted non-zero label values that occur in the array. */
export function presentLabels(labels: Uint8Array | Uint16Array): number[] {
  const seen = new Uint8Array(labels instanceof Uint8Array ? 256 : 65536);
  for (let v = 0; v < labels.length; v++) seen[labels[v]!] = 1;
  const out: number[] = [];
  for (let l = 1; l < seen.length; l++) if (seen[l] === 1) out.push(l);
  return out;
}

// Coded concepts for DICOM-SEG segments whose codes were not given (a structure segmented here):
// SNOMED CT codes as in DICOM PS3.16 CID 7150 (categories) and CID 7151/7166 (anatomic types),
// the same codes 3D Slicer's and dcmqi's anatomy tables use. A name outside the table is coded as
// "Tissue" (never as a generic anatomical structure with a made-up meaning).
const ANATOMICAL: CodedConcept = { code: '123037004', scheme: 'SCT', meaning: 'Anatomical Structure' };
const MORPHOLOGIC: CodedConcept = { code: '49755003', scheme: 'SCT', meaning: 'Morphologically Altered Structure' };
const TISSUE: CodedConcept = { code: '85756007', scheme: 'SCT', meaning: 'Tissue' };
const NAMED_CODES: ReadonlyArray<readonly [RegExp, CodedConcept, CodedConcept]> = [
  [/tumou?r|metasta|lesion|neoplasm|mass/, MORPHOLOGIC, { code: '108369006', scheme: 'SCT', meaning: 'Neoplasm' }],
  [/portal/, ANATOMICAL, { code: '32764006', scheme: 'SCT', meaning: 'Portal vein' }],
  [/hepatic.?vein/, ANATOMICAL, { code: '8993003', scheme: 'SCT', meaning: 'Hepatic vein' }],
  [/vena.?cava|ivc/, ANATOMICAL, { code: '64131007', scheme: 'SCT', meaning: 'Inferior vena cava' }],
  [/aorta/, ANATOMICAL, { code: '15825003', scheme: 'SCT', meaning: 'Aorta' }],
  [/liver|hepar/, ANATOMICAL, { code: '10200004', scheme: 'SCT', meaning: 'Liver' }],
  [/spleen/, ANATOMICAL, { code: '78961009', scheme: 'SCT', meaning: 'Spleen' }],
  [/kidney/, ANATOMICAL, { code: '64033007', scheme: 'SCT', meaning: 'Kidney' }],
  [/gall.?bladder/, ANATOMICAL, { code: '28231008', scheme: 'SCT', meaning: 'Gallbladder' }],
  [/pancreas/, ANATOMICAL, { code: '15776009', scheme: 'SCT', meaning: 'Pancreas' }],
  [/stomach/, ANATOMICAL, { code: '69695003', scheme: 'SCT', meaning: 'Stomach' }],
  [/heart/, ANATOMICAL, { code: '80891009', scheme: 'SCT', meaning: 'Heart' }],
  [/lung/, ANATOMICAL, { code: '39607008', scheme: 'SCT', meaning: 'Lung' }],
  [/vessel|vein|arter/, ANATOMICAL, { code: '59820001', scheme: 'SCT', meaning: 'Blood vessel' }],
  [/bone|vertebra|rib/, ANATOMICAL, { code: '272673000', scheme: 'SCT', meaning: 'Bone' }],
];

/** Category and type codes for a segment named `name` (case-insensitive), "Tissue" when unknown. */
export function codesForName(name: string): { category: CodedConcept; type: CodedConcept } {
  const lower = name.toLowerCase();
  for (const [re, category, type] of NAMED_CODES) if (re.test(lower)) return { category, type };
  return { category: TISSUE, type: TISSUE };
}
