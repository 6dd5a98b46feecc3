import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ServiceQuotasClient,
  ServiceQuotasServiceException,
} from "@aws-sdk/client-service-quotas";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { readRouteQuota } from "../../functions/pod-routes/adapters/quotas.js";

// Service Quotas as AWS answers it, including what moto never does: no applied value, a denial.
const quotas = mockClient(ServiceQuotasClient);
const client = new ServiceQuotasClient({ region: "us-east-1", maxAttempts: 1 });

function awsError(name: string): ServiceQuotasServiceException {
  return new ServiceQuotasServiceException({ name, $fault: "client", $metadata: {}, message: `${name} (test)` });
}

beforeEach(() => quotas.reset());

describe("readRouteQuota", () => {
  it("reads the account's applied value of vpc/L-93826ACB", async () => {
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: "vpc", QuotaCode: "L-93826ACB" })
      .resolves({ Quota: { Value: 200 } });

    expect(await readRouteQuota(client)).toEqual({ limit: 200, source: "applied" });
  });

  it("falls back to AWS's default when the account has no applied value", async () => {
    quotas.on(GetServiceQuotaCommand).rejects(awsError("NoSuchResourceException"));
    quotas.on(GetAWSDefaultServiceQuotaCommand, { ServiceCode: "vpc", QuotaCode: "L-93826ACB" }).resolves({
      Quota: { Value: 500 },
    });

    expect(await readRouteQuota(client)).toEqual({ limit: 500, source: "default" });
  });

  it.each([
    [
      "a denial",
      () => quotas.on(GetServiceQuotaCommand).rejects(awsError("AccessDeniedException")),
      "AccessDeniedException",
    ],
    [
      "an answer with no value",
      () => quotas.on(GetServiceQuotaCommand).resolves({ Quota: {} }),
      "answered L-93826ACB with no usable value",
    ],
    [
      "a failed fallback",
      () => {
        quotas.on(GetServiceQuotaCommand).rejects(awsError("NoSuchResourceException"));
        quotas.on(GetAWSDefaultServiceQuotaCommand).rejects(awsError("TooManyRequestsException"));
      },
      "TooManyRequestsException",
    ],
  ])("assumes AWS's documented default after %s, and says why", async (_case, arrange, problem) => {
    arrange();

    expect(await readRouteQuota(client)).toEqual({
      limit: 50,
      source: "assumed",
      problem: expect.stringContaining(problem),
    });
  });
});
