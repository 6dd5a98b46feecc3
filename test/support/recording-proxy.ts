import { once } from "node:events";
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";

export interface RecordedCall {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  /** Which attempt of the SDK's this request is (its amz-sdk-request header): 1, or a retry. */
  readonly attempt: number;
}

/**
 * What can go wrong with an AWS call: throttled (503), an internal error before the change reaches
 * moto or after it was made (so the caller never hears of the success), or a slow answer.
 */
export type Fault = "throttle" | "internal-before" | "internal-after" | "slow";

export interface FaultPlan {
  /** Same seed, same sequence of faults for the same sequence of calls. */
  readonly seed: number;
  /** The share of calls that fail, 0 to 1. */
  readonly rate: number;
  readonly faults: readonly Fault[];
  readonly slowMs?: number;
  /** Only these actions fail (default: every action). */
  readonly actions?: readonly string[];
}

export interface RecordingProxy {
  readonly endpoint: string;
  /** Calls seen since the last `take()`, in order; clears the record. */
  take(): RecordedCall[];
  /** Faults for the calls from now on; undefined heals the proxy. */
  inject(plan: FaultPlan | undefined): void;
  /** The faults injected since the last call, by kind. */
  injected(): Record<Fault, number>;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of moto that records each AWS query-protocol action, enforces EC2's limit of
 * 200 filter values a call (which moto lacks), and can inject faults.
 */
export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  let calls: RecordedCall[] = [];
  let plan: FaultPlan | undefined;
  let random = () => 1;
  let counts = noFaults();

  const forward = (method: string | undefined, path: string | undefined, headers: IncomingHttpHeaders, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const forwarded = request({ host: target.hostname, port: target.port, method, path, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }),
        );
        response.on("error", reject);
      });
      forwarded.on("error", reject);
      forwarded.end(body);
    });

  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const params = Object.fromEntries(new URLSearchParams(body.toString()));
    const action = params["Action"];
    const attempt = Number(/attempt=(\d+)/.exec(String(incoming.headers["amz-sdk-request"] ?? ""))?.[1] ?? 1);
    if (action) calls.push({ action, params, attempt });
    const active =
      action !== undefined && plan !== undefined && (plan.actions?.includes(action) ?? true) ? plan : undefined;
    const fault =
      active && random() < active.rate ? active.faults[Math.floor(random() * active.faults.length)] : undefined;
    if (fault) counts[fault]++;
    try {
      // EC2 refuses more than 200 filter values in one call; moto does not, so the proxy does.
      const filterValues = Object.keys(params).filter((key) => /^Filter\.\d+\.Value\.\d+$/.test(key)).length;
      if (params["Version"] === "2016-11-15" && filterValues > 200)
        return reply(
          outgoing,
          400,
          errorBody(params, "FilterLimitExceeded", `The maximum number of filter values is 200; got ${filterValues}`),
        );
      if (fault === "throttle")
        return reply(outgoing, 503, errorBody(params, "RequestLimitExceeded", "Request limit exceeded (injected)"));
      if (fault === "internal-before")
        return reply(
          outgoing,
          500,
          errorBody(params, "InternalError", "An internal error has occurred (injected, before the change)"),
        );
      if (fault === "slow") await new Promise((resolve) => setTimeout(resolve, plan?.slowMs ?? 1000));
      const answer = await forward(incoming.method, incoming.url, incoming.headers, body);
      if (fault === "internal-after")
        return reply(
          outgoing,
          500,
          errorBody(params, "InternalError", "An internal error has occurred (injected, after the change)"),
        );
      outgoing.writeHead(answer.status, answer.headers);
      outgoing.end(answer.body);
    } catch (error) {
      outgoing.destroy(error as Error);
    }
  };
  const server: Server = createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch((error: Error) => outgoing.destroy(error));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("proxy has no address");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    take() {
      const taken = calls;
      calls = [];
      return taken;
    },
    inject(next) {
      plan = next;
      random = next ? seeded(next.seed) : () => 1;
    },
    injected() {
      const taken = counts;
      counts = noFaults();
      return taken;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function reply(outgoing: ServerResponse, status: number, body: string): void {
  outgoing.writeHead(status, { "content-type": "text/xml" });
  outgoing.end(body);
}

/** The error document of the caller's protocol: EC2's query flavour, or Auto Scaling's. */
function errorBody(params: Record<string, string>, code: string, message: string): string {
  if (params["Version"] === "2016-11-15") {
    return `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>injected</RequestID></Response>`;
  }
  const awsQueryCode = code === "RequestLimitExceeded" ? "Throttling" : code;
  return `<ErrorResponse><Error><Type>${code === "InternalError" ? "Receiver" : "Sender"}</Type><Code>${awsQueryCode}</Code><Message>${message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>`;
}

function noFaults(): Record<Fault, number> {
  return { throttle: 0, "internal-before": 0, "internal-after": 0, slow: 0 };
}

/** mulberry32: a small, well-known seeded generator; test faults only need to repeat, not to be strong. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
