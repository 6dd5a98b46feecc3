import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeEach, inject } from "vitest";
import { resetMoto } from "../../scripts/emulator/moto.js";
import { startRecordingProxy, type FaultPlan, type RecordedCall } from "./recording-proxy.js";

/**
 * Integration test harness: the bundled handler talks to moto through a recording proxy (so tests
 * can see which EC2 calls an event cost); the tests arrange and inspect state on moto directly.
 */
const motoMissing = inject("motoMissing");
if (motoMissing !== "") throw new Error(motoMissing);
/** This worker's moto: the tests arrange state and run the event queue here. */
export const motoEndpoint = workersOwn(inject("motoEndpoints").split(","));
const proxy = await startRecordingProxy(motoEndpoint);

// The bundled handler builds its SDK client from the standard variables, as it does in Lambda.
Object.assign(process.env, {
  AWS_ENDPOINT_URL: proxy.endpoint,
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
});

const direct = {
  endpoint: motoEndpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
};
export const ec2 = new EC2Client(direct);
export const autoScaling = new AutoScalingClient(direct);

/** Where the handler (and scripts under test) reach moto: through the recording proxy. */
export const proxyEndpoint = proxy.endpoint;

/** The AWS actions the handler made since the last call to this or `handlerRequests`. */
export function handlerCalls(): string[] {
  return proxy.take().map((call) => call.action);
}

/** The same, with each call's parameters. */
export function handlerRequests(): RecordedCall[] {
  return proxy.take();
}

/** Faults on the handler's calls from now on (the tests' own calls go to moto directly); undefined heals. */
export function injectFaults(plan: FaultPlan | undefined): void {
  proxy.inject(plan);
}

/** How many faults were injected since the last look, by kind. */
export function injectedFaults() {
  return proxy.injected();
}

beforeEach(async () => {
  await resetMoto(motoEndpoint);
  proxy.inject(undefined);
  proxy.take();
});

afterAll(() => proxy.close());

/** The server of the worker running this file (VITEST_POOL_ID counts workers from 1). */
function workersOwn(endpoints: readonly string[]): string {
  const worker = Number(process.env["VITEST_POOL_ID"] ?? "1");
  return endpoints[(worker - 1) % endpoints.length]!;
}
