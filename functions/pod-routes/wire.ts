import { Logger } from "@aws-lambda-powertools/logger";
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { autoScalingAdapter } from "./autoscaling.js";
import { parseConfig } from "./config.js";
import { ec2Adapter } from "./ec2.js";
import type { Dependencies } from "./summary.js";

/** Retries ride out throttling: the EC2 mutating bucket refills at only 5 calls per second. */
const MAX_ATTEMPTS = 5;

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Settings, clients and logger for the jobs, from an environment: the Lambda's, or the CLI's. Region,
 * endpoint and credentials come from the SDK's standard variables.
 */
export function wire(env: Env): { deps: Dependencies; logger: Logger } {
  const config = parseConfig(env);
  const logLevel = env["POWERTOOLS_LOG_LEVEL"];
  const logger = new Logger({ serviceName: "pod-routes", ...(logLevel ? { logLevel: logLevel as "INFO" } : {}) });
  const ec2 = ec2Adapter(new EC2Client({ maxAttempts: MAX_ATTEMPTS }));
  const autoScaling = autoScalingAdapter(new AutoScalingClient({ maxAttempts: MAX_ATTEMPTS }));
  return { deps: { config, ec2, autoScaling, log: logger, now: Date.now }, logger };
}
