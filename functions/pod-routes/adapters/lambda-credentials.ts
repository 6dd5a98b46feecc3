import { fromEnv } from "@aws-sdk/credential-provider-env";

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundle (see scripts/lib/bundle-plugins.mjs).
 * Lambda puts the execution role's credentials in the environment, which is the first place the
 * default chain looks; the rest of the chain (SSO, profiles, web identity, IMDS and the clients they
 * bring) is never reached there, yet costs a third of the bundle and its import time.
 */
export const defaultProvider = (): ReturnType<typeof fromEnv> => fromEnv();
