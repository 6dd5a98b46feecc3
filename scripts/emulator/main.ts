import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { EC2Client } from "@aws-sdk/client-ec2";
import { Command, InvalidArgumentError } from "commander";
import { once } from "node:events";
import { resolve } from "node:path";
import { columns } from "../cli/render.js";
import { starterEnded } from "./lifeline.js";
import { startMoto } from "./moto.js";
import { CLUSTER_CIDR_V6 } from "./network.js";
import { buildWorld, instanceRows } from "./world.js";

/**
 * `npm run emulator`: moto server with what pod-routes calls, holding the network of "Kubernetes the hard
 * way on AWS" (or nothing, with --empty), until Ctrl-C. Prints the variables that point the CLI, the
 * scripts and the AWS CLI at it, and the instances by name.
 */
const root = resolve(import.meta.dirname, "..");
/** The variables to export: the SDK reads AWS_REGION, the AWS CLI v1 AWS_DEFAULT_REGION. */
const CREDENTIALS = {
  AWS_REGION: "us-east-1",
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "emulator",
  AWS_SECRET_ACCESS_KEY: "emulator",
};
// The SDK's notice about its Node versions from 2027 (see the README) is not part of this output.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

const wholeNumber = (max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new InvalidArgumentError(`a whole number from 0 to ${max}`);
  return n;
};
const options = new Command("npm run emulator --")
  .description("Run an emulated EC2 and Auto Scaling (moto) holding a cluster's network, until Ctrl-C.")
  .option("--port <port>", "port to listen on (0: any free one)", wholeNumber(65_535), 5000)
  .option("--host <address>", "address to listen on", "127.0.0.1")
  .option("--workers <count>", "workers to launch, tagged with pod CIDRs 10.200.N.0/24", wholeNumber(250), 3)
  .option(
    "--dual-stack",
    `a dual-stack network: the VPC has an IPv6 block, workers are tagged 10.200.N.0/24,fd00:10:200:N::/64 (${CLUSTER_CIDR_V6})`,
  )
  .option("--empty", "build nothing: an empty account")
  .parse()
  .opts<{ port: number; host: string; workers: number; dualStack?: boolean; empty?: boolean }>();

const { host, port } = options;
// Listened for from the start: a Ctrl-C that arrives while the world is built (or just as the usage is
// printed) still stops moto and exits 0, instead of killing this process and leaving moto to its end.
// So does any other end of whoever started it (npm killed, the terminal closed).
const stopRequested = Promise.race([
  ...(["SIGINT", "SIGTERM", "SIGHUP"] as const).map((signal) => once(process, signal)),
  starterEnded(),
]).then(() => "stopped" as const);
const moto = await startMoto({ launcher: resolve(root, "scripts/emulator/moto_server.py"), host, port }).catch(
  (error: Error) => {
    // Missing moto, a taken port: the message says what to do; a stack trace would not.
    console.error(error.message);
    process.exit(1);
  },
);
const client = {
  endpoint: moto.endpoint,
  region: CREDENTIALS.AWS_REGION,
  credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY },
};
const exports = { AWS_ENDPOINT_URL: moto.endpoint, ...CREDENTIALS };
const lines = [`pod-routes emulator: moto server on ${moto.endpoint}, until Ctrl-C (nothing is kept).`, ""];
if (options.empty) {
  lines.push("An empty account: build what you need with the AWS CLI, or drop --empty.");
} else {
  const dualStack = options.dualStack === true;
  const world = await buildWorld(new EC2Client(client), new AutoScalingClient(client), options.workers, { dualStack });
  const { network } = world;
  Object.assign(exports, {
    ROUTE_TABLE_IDS: network.routeTableId,
    ALLOCATE_POD_CIDR: "true",
    ...(dualStack ? { CLUSTER_CIDR_V6 } : {}),
  });
  const blocks = ["10.240.0.0/16", ...(network.vpcIpv6Cidr ? [network.vpcIpv6Cidr] : [])].join(" and ");
  lines.push(
    `The network of "Kubernetes the hard way on AWS"${dualStack ? ", dual-stack" : ""}: ${network.vpcId} (${blocks}), ` +
      `${network.subnetId}, route table ${network.routeTableId} with ${dualStack ? "default routes" : "a default route"} ` +
      `to ${network.internetGatewayId}.`,
    "",
    columns(
      ["NAME", "INSTANCE", "POD CIDR", ""],
      instanceRows(world).map((row) => [row.name, row.instanceId, row.podCidr, row.note]),
    ),
  );
}
const cli = resolve(root, "dist/cli/pod-routes.mjs");
lines.push(
  "",
  "In another shell:",
  `  export ${Object.entries(exports)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ")}`,
  `  alias pod-routes='node ${cli}'`,
  "",
  "Then, for example:",
  "  pod-routes status",
  "  pod-routes sync",
  "  pod-routes invoke events/state-change-running.json --instance worker-1",
  "  pod-routes invoke events/lifecycle-launch.json --instance hard-k8s-workers",
  "  aws ec2 describe-route-tables --endpoint-url $AWS_ENDPOINT_URL",
);
console.log(lines.join("\n"));

const stopped = await Promise.race([stopRequested, moto.exited.then(() => "exited" as const)]);
await moto.stop();
console.log(stopped === "stopped" ? "\nemulator stopped." : "\nmoto server exited on its own; emulator stopped.");
process.exitCode = stopped === "stopped" ? 0 : 1;
