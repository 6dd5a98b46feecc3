import type { Summary } from "../../functions/pod-routes/jobs/summary.js";
import { awsCli, invokeFunction, stackOutputs } from "../lib/aws.mjs";

/** The deployed function to run a command in: by name (or ARN), or by its stack's FunctionName output. */
export type DeployedFunction = { readonly functionName: string } | { readonly stackName: string };

export interface Connection {
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
}

/** The deployed function failed the invocation: its error, as Lambda returned it. */
export class DeployedFunctionError extends Error {
  override readonly name = "DeployedFunctionError";
}

/**
 * A manual payload run by the deployed function (lambda:InvokeFunction, a route admin's right), through
 * the AWS CLI with the operator's credentials; its summary, as the function returned it.
 */
export async function invokeDeployed(
  target: DeployedFunction,
  payload: Record<string, unknown>,
  connection: Connection,
): Promise<Summary> {
  const aws = awsCli({
    ...(connection.region ? { region: connection.region } : {}),
    ...(connection.profile ? { profile: connection.profile } : {}),
    ...(connection.endpointUrl ? { "endpoint-url": connection.endpointUrl } : {}),
  });
  const functionName =
    "functionName" in target ? target.functionName : (await stackOutputs(aws, target.stackName))["FunctionName"];
  if (!functionName)
    throw new DeployedFunctionError(
      `stack ${"stackName" in target ? target.stackName : ""} has no FunctionName output: is it a pod-routes stack?`,
    );
  const { response, failed }: { response: Record<string, unknown>; failed: boolean } = await invokeFunction(
    aws,
    functionName,
    payload,
  );
  if (failed) {
    const type = typeof response["errorType"] === "string" ? response["errorType"] : "Error";
    const message = typeof response["errorMessage"] === "string" ? response["errorMessage"] : JSON.stringify(response);
    throw new DeployedFunctionError(`${functionName} failed: ${type}: ${message}`);
  }
  return response as unknown as Summary;
}
