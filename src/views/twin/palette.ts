// Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008), as used on the dark theme.
export const OKABE_ITO = {
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
  grey: '#999999',
} as const;

/** Scenario colours in order (baseline first, grey-free so every line reads on dark). */
export const SCENARIO_COLOURS = [OKABE_ITO.skyBlue, OKABE_ITO.orange, OKABE_ITO.bluishGreen, OKABE_ITO.reddishPurple, OKABE_ITO.yellow, OKABE_ITO.vermillion, OKABE_ITO.blue];
