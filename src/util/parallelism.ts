/** Requests to Eppo in flight at once (list pages, changes) when neither --parallelism nor eppo-gitops.yaml says. */
export const DEFAULT_PARALLELISM = 4;

/** The most requests to Eppo in flight at once that --parallelism and eppo-gitops.yaml allow. */
export const MAX_PARALLELISM = 64;
