// The QueryClient and its global error policy: a 401 from any request means the session is gone,
// so the cached user is cleared and RequireAuth sends the user to sign-in with the URL kept.
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from '../sources/http';
import { queryKeys } from '../sources/queries';

export function createQueryClient(): QueryClient {
  const onError = (error: unknown) => {
    if (error instanceof ApiError && error.kind === 'unauthenticated') client.setQueryData(queryKeys.me, null);
  };
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // Retry only what may succeed later; a 4xx will not change by asking again.
        retry: (failureCount, error) => error instanceof ApiError && error.isConnectivity && failureCount < 2,
      },
    },
  });
  return client;
}
