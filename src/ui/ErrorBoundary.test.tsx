// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { ErrorBoundary } from './ErrorBoundary';

afterEach(cleanup);

function Boom(props: { fail: boolean }) {
  if (props.fail) throw new Error('Series has no pixel data');
  return <p>fine</p>;
}

describe('ErrorBoundary', () => {
  it('shows a readable alert instead of a blank page, and clears on a new resetKey', () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { rerender } = render(
      <ErrorBoundary where="The Imaging view" resetKey="imaging">
        <Boom fail />
      </ErrorBoundary>,
    );
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('The Imaging view could not be shown.');
    expect(alert.textContent).toContain('Series has no pixel data');

    rerender(
      <ErrorBoundary where="The Twin view" resetKey="twin">
        <Boom fail={false} />
      </ErrorBoundary>,
    );
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByText('fine')).toBeTruthy();
    quiet.mockRestore();
  });

  it('explains a chunk that failed to download in the user’s terms', () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    function Chunk(): never {
      throw new TypeError('Failed to fetch dynamically imported module: /assets/imaging-x.js');
    }
    render(
      <ErrorBoundary>
        <Chunk />
      </ErrorBoundary>,
    );
    expect(screen.getByRole('alert').textContent).toContain('could not be downloaded');
    quiet.mockRestore();
  });
});
