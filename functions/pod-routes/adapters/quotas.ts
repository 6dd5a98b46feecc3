import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  type ServiceQuotasClient,
} from "@aws-sdk/client-service-quotas";
import { awsErrorCode } from "../core/errors.js";
import { DOCUMENTED_ROUTES_PER_TABLE, ROUTES_PER_TABLE, type RouteQuota } from "../core/quota.js";

/**
 * Reads the "Routes per route table" quota: the account's applied value, else (Service Quotas has none
 * applied for it) AWS's default. Never fails: what cannot be read is `assumed`, with the reason.
 */
export async function readRouteQuota(client: ServiceQuotasClient, abortSignal?: AbortSignal): Promise<RouteQuota> {
  const options = abortSignal ? { abortSignal } : {};
  const input = { ServiceCode: ROUTES_PER_TABLE.serviceCode, QuotaCode: ROUTES_PER_TABLE.quotaCode };
  try {
    try {
      const { Quota } = await client.send(new GetServiceQuotaCommand(input), options);
      return quotaOf(Quota?.Value, "applied");
    } catch (error) {
      if (awsErrorCode(error) !== "NoSuchResourceException") throw error;
      const { Quota } = await client.send(new GetAWSDefaultServiceQuotaCommand(input), options);
      return quotaOf(Quota?.Value, "default");
    }
  } catch (error) {
    const problem = error instanceof Error ? `${awsErrorCode(error) ?? error.name}: ${error.message}` : String(error);
    return { limit: DOCUMENTED_ROUTES_PER_TABLE, source: "assumed", problem };
  }
}

function quotaOf(value: number | undefined, source: "applied" | "default"): RouteQuota {
  if (value === undefined || !Number.isInteger(value) || value < 1)
    throw new Error(`Service Quotas answered ${ROUTES_PER_TABLE.quotaCode} with no usable value (${value})`);
  return { limit: value, source };
}
