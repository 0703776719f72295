import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';

export function NotFound(): ReactNode {
  return (
    <div className="notice notice-warn" role="alert">
      <strong>Page not found.</strong>
      <span>This address does not match any Twinscope page.</span>
      <Link to="/">Go to your start page</Link>
    </div>
  );
}
