// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ApiError, errorFromResponse } from '../sources/http';
import type { SessionUser } from '../sources/api';
import { SignInForm, signInErrorText } from './SignInForm';

afterEach(cleanup);

const surgeon: SessionUser = { id: 'u1', username: 'surgeon', role: 'surgeon', displayName: 'Demo Surgeon' };

function fill(username: string, password: string) {
  fireEvent.change(screen.getByLabelText('Username'), { target: { value: username } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('SignInForm', () => {
  it('signs in with the trimmed username and reports the user', async () => {
    const signIn = vi.fn((_u: string, _p: string) => Promise.resolve(surgeon));
    const onSignedIn = vi.fn();
    render(<SignInForm signIn={signIn} onSignedIn={onSignedIn} />);
    fill(' surgeon ', 'twinscope-demo');
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledWith(surgeon));
    expect(signIn).toHaveBeenCalledWith('surgeon', 'twinscope-demo');
  });

  it('says "wrong username or password" in an alert, clears the password and focuses it', async () => {
    const signIn = () => Promise.reject(errorFromResponse(401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login', details: { text: 'Invalid credentials' } }] }));
    render(<SignInForm signIn={signIn} onSignedIn={() => undefined} />);
    fill('surgeon', 'nope');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Wrong username or password.');
    const password = screen.getByLabelText<HTMLInputElement>('Password');
    expect(password.value).toBe('');
    expect(document.activeElement).toBe(password);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Sign in' }).disabled).toBe(false);
  });

  it('asks to wait after too many attempts, with the server’s Retry-After', async () => {
    render(<SignInForm signIn={() => Promise.reject(errorFromResponse(429, null, '42'))} onSignedIn={() => undefined} />);
    fill('surgeon', 'x');
    expect((await screen.findByRole('alert')).textContent).toBe('Too many sign-in attempts. Wait 42 s and try again.');
  });

  it('asks for both fields before calling the server', () => {
    const signIn = vi.fn(() => Promise.resolve(surgeon));
    render(<SignInForm signIn={signIn} onSignedIn={() => undefined} />);
    fill('surgeon', '');
    expect(screen.getByRole('alert').textContent).toBe('Enter your username and password.');
    expect(signIn).not.toHaveBeenCalled();
  });

  it('lists demo usernames only when told the server is in demo mode', () => {
    const { rerender } = render(<SignInForm signIn={() => Promise.resolve(surgeon)} onSignedIn={() => undefined} />);
    expect(screen.queryByText(/Demo mode/)).toBeNull();
    rerender(<SignInForm signIn={() => Promise.resolve(surgeon)} onSignedIn={() => undefined} demoUsernames={['surgeon', 'admin']} />);
    expect(screen.getByText(/Demo mode/).textContent).toBe('Demo mode. Sign in as surgeon, admin.');
  });
});

describe('signInErrorText', () => {
  it('explains an unreachable server', () => {
    expect(signInErrorText(new ApiError('network', 0, 'Cannot reach the Twinscope server. Check the connection.'))).toBe(
      'Cannot sign in right now: Cannot reach the Twinscope server. Check the connection.',
    );
  });
});
