import { GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach } from "vitest";

/**
 * Answers every ServiceQuotasClient of this test file with a "Routes per route table" quota of `limit`
 * (AWS's default), reset before each test: unit tests that mock EC2 by hand need the function's one
 * other read answered too.
 */
export function answerRouteQuota(limit = 50) {
  const quotas = mockClient(ServiceQuotasClient);
  beforeEach(() => {
    quotas
      .reset()
      .on(GetServiceQuotaCommand)
      .resolves({ Quota: { Value: limit } });
  });
  return quotas;
}
