// One-line explanations of why the server could not listen, for main.ts.

export function describeListenError(err: NodeJS.ErrnoException, host: string, port: number): string {
  if (err.code === 'EADDRINUSE') return `port ${port} is in use; set PORT=… or stop the other process`;
  if (err.code === 'EACCES') return `not allowed to listen on port ${port}; use a port above 1023 (PORT=8080)`;
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return `HOST=${host} is not an address of this machine`;
  return `could not listen on ${host}:${port} (${err.code ?? err.message})`;
}
