// @vitest-environment happy-dom
// The view without WebGL (happy-dom has none): it must say so in an alert, in plain words,
// and offer a retry, rather than hang on "Starting the image viewer…".
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import ImagingView from './index';
import { HelpPopover, SHORTCUT_TOOLS } from './HelpPopover';
import { fireEvent } from '@testing-library/react';

afterEach(cleanup);

describe('ImagingView', () => {
  it('explains that WebGL is unavailable, with a retry', async () => {
    // Queries stay off: this test is about the viewer start-up, not the study list.
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false, enabled: false } } });
    render(
      <QueryClientProvider client={qc}>
        <ImagingView patientId="demo-liver-58f" />
      </QueryClientProvider>,
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/WebGL is unavailable in this browser, so images cannot be displayed/);
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});

describe('HelpPopover', () => {
  it('documents every tool shortcut, opens on the button and closes with Escape', () => {
    render(<HelpPopover />);
    const button = screen.getByRole('button', { name: 'Keyboard shortcuts' });
    expect(button.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(button);
    const dialog = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    for (const key of Object.keys(SHORTCUT_TOOLS)) {
      expect(dialog.textContent).toContain(key.toUpperCase());
    }
    expect(dialog.textContent).toContain('Window preset: soft tissue, lung, liver, bone, brain');
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(button);
  });
});
