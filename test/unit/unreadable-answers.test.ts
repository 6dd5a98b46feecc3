import { DescribeRouteTablesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { explainUnreadableAnswers } from "../../functions/pod-routes/adapters/unreadable-answers.js";
import { createHandler } from "../../functions/pod-routes/entry/handler.js";

const WEB_PAGE =
  "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n";
const AWS_ERROR =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>InvalidRouteTableID.NotFound</Code>' +
  "<Message>The routeTable ID 'rtb-1' does not exist</Message></Error></Errors><RequestID>1</RequestID></Response>";

/** An endpoint answering every call with the given status and body, as a misconfigured emulator or proxy might. */
let answer = { status: 500, body: WEB_PAGE, type: "text/html" };
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(answer.status, { "content-type": answer.type }).end(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => vi.unstubAllEnvs());
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(): EC2Client {
  const ec2 = new EC2Client({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    maxAttempts: 1,
  });
  explainUnreadableAnswers(ec2);
  return ec2;
}

describe("an endpoint that does not answer like AWS", () => {
  it("is named as such, with the call, the status and what to run, not as an XML parse error", async () => {
    answer = { status: 500, body: WEB_PAGE, type: "text/html" };
    const call = client().send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: "route.instance-id", Values: ["i-1"] }] }),
    );
    await expect(call).rejects.toMatchObject({
      name: "UnreadableAnswerError",
      message: expect.stringMatching(
        /^DescribeRouteTablesCommand: the endpoint answered HTTP 500 with a web page.*npm run emulator/s,
      ),
    });
    await expect(call).rejects.not.toThrow(/XML parse error/);
  });

  it("leaves AWS's own errors as they are", async () => {
    answer = { status: 400, body: AWS_ERROR, type: "text/xml" };
    await expect(client().send(new DescribeRouteTablesCommand({ RouteTableIds: ["rtb-1"] }))).rejects.toMatchObject({
      name: "InvalidRouteTableID.NotFound",
    });
  });

  it("is what the function fails with", async () => {
    answer = { status: 404, body: WEB_PAGE, type: "text/html" };
    // The function's clients read the SDK's standard variables, as in Lambda.
    for (const [name, value] of Object.entries({
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "x",
      AWS_SECRET_ACCESS_KEY: "x",
      AWS_ENDPOINT_URL: endpoint,
    }))
      vi.stubEnv(name, value);
    const handler = createHandler(process.env);
    await expect(handler({ action: "reconcile", instanceId: "i-0123456789abcdef0", dryRun: true })).rejects.toThrow(
      /^DescribeInstancesCommand: the endpoint answered HTTP 404 with a web page/,
    );
  });
});
