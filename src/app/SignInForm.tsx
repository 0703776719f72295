// The sign-in form, independent of routing and transport so that its error behaviour is tested
// directly: wrong credentials, rate limiting and an unreachable server each get their own words.
import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../sources/http';
import type { SessionUser } from '../sources/api';

export function signInErrorText(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.kind) {
      case 'unauthenticated':
      case 'forbidden':
        return 'Wrong username or password.';
      case 'rate-limited':
        return error.retryAfterSec !== undefined
          ? `Too many sign-in attempts. Wait ${error.retryAfterSec} s and try again.`
          : 'Too many sign-in attempts. Wait a minute and try again.';
      case 'invalid':
        return error.message || 'The server refused the sign-in request.';
      case 'network':
      case 'upstream-down':
      case 'server':
      case 'not-found':
        return `Cannot sign in right now: ${error.message}`;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

export function SignInForm(props: {
  signIn: (username: string, password: string) => Promise<SessionUser>;
  onSignedIn: (user: SessionUser) => void;
  demoUsernames?: readonly string[];
}): ReactNode {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);
  const uid = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (!username.trim() || !password) {
      setError('Enter your username and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const user = await props.signIn(username.trim(), password);
      props.onSignedIn(user);
    } catch (err) {
      setError(signInErrorText(err));
      setPassword('');
      passwordRef.current?.focus();
      setBusy(false);
    }
  };

  return (
    <form className="signin-card" onSubmit={(e) => void submit(e)} noValidate aria-describedby={error ? `${uid}-err` : undefined}>
      <h1>
        <span className="brand-mark" aria-hidden="true">
          ◆
        </span>
        Twinscope
      </h1>
      <div className="field">
        <label htmlFor={`${uid}-user`}>Username</label>
        <input
          id={`${uid}-user`}
          className="input"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${uid}-pass`}>Password</label>
        <input
          id={`${uid}-pass`}
          ref={passwordRef}
          className="input"
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      {error && (
        <div id={`${uid}-err`} className="notice notice-error" role="alert">
          {error}
        </div>
      )}
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      {props.demoUsernames && props.demoUsernames.length > 0 && (
        <p className="demo-hint">
          Demo mode. Sign in as{' '}
          {props.demoUsernames.map((u, i) => (
            <span key={u}>
              {i > 0 && ', '}
              <code>{u}</code>
            </span>
          ))}
          .
        </p>
      )}
    </form>
  );
}
