import { createServer, request, type Server } from "node:http";
import { once } from "node:events";

/** A loopback proxy in front of moto that records each AWS query-protocol action it forwards. */
export interface RecordedCall {
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
}

export interface RecordingProxy {
  readonly endpoint: string;
  /** Calls seen since the last `take()`, in order; clears the record. */
  take(): RecordedCall[];
  close(): Promise<void>;
}

export async function startRecordingProxy(upstream: string): Promise<RecordingProxy> {
  const target = new URL(upstream);
  let calls: RecordedCall[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const params = Object.fromEntries(new URLSearchParams(body.toString()));
      if (params["Action"]) calls.push({ action: params["Action"], params });
      const forwarded = request(
        { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (response) => {
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        },
      );
      forwarded.on("error", (error) => outgoing.destroy(error));
      forwarded.end(body);
    });
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
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
