import { describe, expect, it } from 'vitest';
import { scrubErrorMessage } from './errors';

describe('scrubErrorMessage (5xx console lines carry no request values)', () => {
  it('drops quoted text and what follows a colon, keeps the explanation', () => {
    expect(scrubErrorMessage('Invalid format for date search parameter: Smith-1957')).toBe('Invalid format for date search parameter: …');
    expect(scrubErrorMessage(`Unexpected token 'J', "Jane Doe" is not valid JSON`)).toBe('Unexpected token …, … is not valid JSON');
    expect(scrubErrorMessage('cannot start a transaction within a transaction')).toBe('cannot start a transaction within a transaction');
    expect(scrubErrorMessage('x'.repeat(500))).toHaveLength(200);
  });
});
